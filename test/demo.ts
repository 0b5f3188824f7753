// `npm run demo`: starts the local STS on 127.0.0.1, assumes a role through it with the built
// package, chains to a second role with the temporary credentials, and prints the results with
// secret parts masked.
import { assumeRole, StsError } from '../dist/index.js'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const mask = (s: string) => `…(${s.length} chars, masked)`
const server = await startLocalSts()
try {
  const alice = USERS[0]!
  const config = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey } }
  console.log(`local STS listening on ${server.url}\n`)
  const out = await assumeRole({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'demo-session', DurationSeconds: 900 }, config)
  const show = (o: typeof out) => ({
    Credentials: { AccessKeyId: o.Credentials.AccessKeyId, SecretAccessKey: mask(o.Credentials.SecretAccessKey), SessionToken: mask(o.Credentials.SessionToken), Expiration: o.Credentials.Expiration.toISOString() },
    AssumedRoleUser: o.AssumedRoleUser,
    RequestId: o.RequestId,
  })
  console.log('assumeRole(demo) →', show(out))
  const c = out.Credentials
  const chained = await assumeRole(
    { RoleArn: `arn:aws:iam::${ACCOUNT}:role/chained`, RoleSessionName: 'second-hop' },
    { ...config, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } },
  )
  console.log('\nassumeRole(chained) with the temporary credentials →', show(chained))
  try {
    await assumeRole({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/locked`, RoleSessionName: 'denied' }, config)
  } catch (e) {
    if (!(e instanceof StsError)) throw e
    console.log(`\nassumeRole(locked) → StsError ${e.code} (${e.status}, retryable: ${e.retryable}, RequestId ${e.requestId}): ${e.message}`)
  }
} finally {
  await server.close()
}
