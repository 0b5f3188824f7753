// Entry for Node, Deno and Bun: profile credentials through the built edge-sts/node entry, from
// real files in a temporary HOME: a role chain (static keys → demo → chained, each hop an AssumeRole
// at the local STS) and a credential_process (a real subprocess). Config: the first argument
// (JSON); the result goes to stdout as one JSON line.
import { fromIni, fromProcess, fromNodeProviderChain } from '../../dist/node.js'

const arg = globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]
const config = JSON.parse(arg)
const env = { HOME: config.home, AWS_ENDPOINT_URL_STS: config.url, AWS_REGION: 'us-east-1' }
const summary = (credentials) => ({
  accessKeyId: credentials.accessKeyId,
  hasSecret: typeof credentials.secretAccessKey == 'string' && credentials.secretAccessKey != '',
  hasToken: typeof credentials.sessionToken == 'string',
  expirationIsDate: credentials.expiration instanceof Date,
  accountId: credentials.accountId,
})
const attempt = async (f) => {
  try {
    return summary(await f())
  } catch (error) {
    return { error: error?.name, code: error?.code, message: error?.message }
  }
}
console.log(
  JSON.stringify({
    runtime: config.runtime,
    ini: await attempt(() => fromIni({ profile: 'chained', env })()),
    process: await attempt(() => fromProcess({ profile: 'tool', env })()),
    chain: await attempt(() => fromNodeProviderChain({ env: { ...env, AWS_PROFILE: 'tool' } })()),
  }),
)
