// One end-to-end scenario, runtime-neutral (plain ESM, web globals only), run unchanged in Node,
// workerd, Deno and Bun against the local STS over loopback HTTP. The host test passes the
// endpoints and identities in `cfg` and checks the returned JSON.
import { assumeRole, StsError, StsValidationError } from '../../dist/index.js'

const pick = (out) => ({
  accessKeyId: out.Credentials.AccessKeyId,
  hasSecret:
    typeof out.Credentials.SecretAccessKey === 'string' &&
    out.Credentials.SecretAccessKey.length > 0,
  tokenLength: out.Credentials.SessionToken.length,
  expirationIsDate:
    out.Credentials.Expiration instanceof Date && !Number.isNaN(+out.Credentials.Expiration),
  arn: out.AssumedRoleUser?.Arn,
  requestId: out.RequestId,
})
const failure = (e) => ({
  error: e?.constructor?.name,
  code: e?.code,
  requestId: e?.requestId,
  retryable: e?.retryable,
  status: e?.status,
  params: e instanceof StsValidationError ? e.issues.map((i) => i.param) : undefined,
  isStsError: e instanceof StsError,
})

export async function run(cfg) {
  const base = { region: 'us-east-1', retryDelayMs: 5, timeoutMs: 5000 }
  const result = { runtime: cfg.runtime }
  const step = async (name, fn) => {
    try {
      result[name] = await fn()
    } catch (e) {
      result[name] = failure(e)
    }
  }
  let first
  await step('assume', async () => {
    first = await assumeRole(
      { RoleArn: cfg.roleArn, RoleSessionName: 'rt-' + cfg.runtime },
      { ...base, endpoint: cfg.url, credentials: cfg.credentials },
    )
    return pick(first)
  })
  await step('chain', async () =>
    pick(
      await assumeRole(
        { RoleArn: cfg.chainRoleArn, RoleSessionName: 'rt-chain', DurationSeconds: 900 },
        {
          ...base,
          endpoint: cfg.url,
          credentials: {
            accessKeyId: first.Credentials.AccessKeyId,
            secretAccessKey: first.Credentials.SecretAccessKey,
            sessionToken: first.Credentials.SessionToken,
          },
        },
      ),
    ),
  )
  await step('mfa', async () =>
    pick(
      await assumeRole(
        {
          RoleArn: cfg.mfaRoleArn,
          RoleSessionName: 'rt-mfa',
          SerialNumber: cfg.mfaSerial,
          TokenCode: cfg.mfaCode,
        },
        { ...base, endpoint: cfg.url, credentials: cfg.credentials },
      ),
    ),
  )
  await step('validation', () =>
    assumeRole(
      { RoleArn: 'short', RoleSessionName: 'has space' },
      { ...base, endpoint: cfg.url, credentials: cfg.credentials },
    ),
  )
  await step('denied', () =>
    assumeRole(
      { RoleArn: cfg.deniedRoleArn, RoleSessionName: 'rt-denied' },
      { ...base, endpoint: cfg.url, credentials: cfg.credentials },
    ),
  )
  await step('throttled', async () =>
    pick(
      await assumeRole(
        { RoleArn: cfg.roleArn, RoleSessionName: 'rt-throttle' },
        { ...base, endpoint: cfg.throttleUrl, credentials: cfg.credentials },
      ),
    ),
  )
  await step('drip', async () =>
    pick(
      await assumeRole(
        { RoleArn: cfg.roleArn, RoleSessionName: 'rt-drip' },
        { ...base, endpoint: cfg.dripUrl, credentials: cfg.credentials },
      ),
    ),
  )
  await step('abort', async () => {
    const ctl = new AbortController()
    const p = assumeRole(
      { RoleArn: cfg.roleArn, RoleSessionName: 'rt-abort' },
      { ...base, endpoint: cfg.slowUrl, credentials: cfg.credentials, signal: ctl.signal },
    )
    setTimeout(() => ctl.abort(), 50)
    const t = Date.now()
    const r = await p.then(pick, failure)
    return { ...r, stoppedQuickly: Date.now() - t < 2000 }
  })
  return result
}
