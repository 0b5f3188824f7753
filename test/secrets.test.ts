// Secret audit: provokes every kind of error the package can raise (validation, configuration,
// network, timeout, abort, STS errors, parse errors, provider and signed-fetch failures, CLI output,
// and a hostile server that echoes the request back) and asserts that no secret access key, session
// token, MFA code, signature, derived signing key or Authorization header appears in the error's
// message, stack, String(), JSON.stringify() or util.inspect() (causes included).
import { createHmac } from 'node:crypto'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli.ts'
import {
  assumeRole,
  createSignedFetch,
  fromAssumeRole,
  getCallerIdentity,
  getSessionToken,
  getDelegatedAccessToken,
  parseStsResponse,
  presignUrl,
  signRequest,
  AssumeRole,
  type StsConfig,
} from '../src/index.ts'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const alice = USERS[0]!
const SECRET = 'audit/Secret+Key/0123456789abcdefghijKLMNOP'
const TOKEN = 'IQoJb3JpZ2luX2VjEAudit' + 'T0k3n+/'.repeat(60)
const MFA = '907531' // an MFA code no ARN or id of the fixtures contains
const TRADE_IN = 'trade-in/Token+audit=42' // a bearer token exchanged for credentials
const AUDIT = { accessKeyId: 'AKIAAUDITEXAMPLE0001', secretAccessKey: SECRET, sessionToken: TOKEN }
let server: Awaited<ReturnType<typeof startLocalSts>>
const errors: [string, unknown][] = []
const seen = new Set<string>() // every Authorization header and signature the tests produced

beforeAll(async () => {
  server = await startLocalSts()
})
afterAll(() => server?.close())

// A fetch that records what was sent, so the signatures of every request are known secrets too.
const recording =
  (inner: typeof fetch = fetch): typeof fetch =>
  async (url, init) => {
    const h = new Headers(init?.headers)
    const auth = h.get('authorization')
    if (auth) seen.add(auth).add(auth.slice(-64))
    const sig = new URL(String(url)).searchParams.get('X-Amz-Signature')
    if (sig) seen.add(sig)
    return inner(url, init)
  }
const provoke = async (what: string, f: () => unknown) => {
  try {
    await f()
  } catch (e) {
    errors.push([what, e])
    return e
  }
  throw new Error(`${what}: no error was raised`)
}
const config = (o: Partial<StsConfig> = {}): StsConfig => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: AUDIT,
  fetch: recording(),
  retryDelayMs: 1,
  ...o,
})
const aliceConfig = (o: Partial<StsConfig> = {}) =>
  config({
    credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
    ...o,
  })
const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo`

// The derived SigV4 keys for the days around now, computed independently.
const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest()
const derived = (secret: string) =>
  [-1, 0, 1].flatMap((d) => {
    const day = new Date(Date.now() + d * 864e5).toISOString().slice(0, 10).replace(/-/g, '')
    const k = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), 'us-east-1'), 'sts'), 'aws4_request')
    return [k.toString('hex'), k.toString('base64'), k.toString('latin1')]
  })

describe('secret audit', () => {
  it('provokes every kind of error', async () => {
    // Validation and configuration.
    await provoke('validation', () =>
      assumeRole(
        { RoleArn: SECRET, RoleSessionName: TOKEN, TokenCode: MFA, ExternalId: SECRET } as any,
        config(),
      ),
    )
    await provoke('bad credentials shape', () =>
      assumeRole(
        { RoleArn: ROLE, RoleSessionName: 'ok-name' },
        config({
          credentials: { accessKeyId: SECRET, secretAccessKey: 42 as any, sessionToken: TOKEN },
        }),
      ),
    )
    await provoke('signer: bad region', () =>
      signRequest(
        { url: 'https://sts.amazonaws.com/' },
        { credentials: AUDIT, region: '', service: 'sts' },
      ),
    )
    await provoke('signer: bad url', () =>
      signRequest(
        { url: `::${SECRET}` },
        { credentials: AUDIT, region: 'us-east-1', service: 'sts' },
      ),
    )
    await provoke('presign: expiry', () =>
      presignUrl(
        { url: 'https://sts.amazonaws.com/' },
        { credentials: AUDIT, region: 'us-east-1', service: 'sts', expiresIn: 9e9 },
      ),
    )
    // STS errors from the local server, signed with secrets it does not know or rejects.
    await provoke('InvalidClientTokenId', () => getCallerIdentity(config()))
    await provoke('SignatureDoesNotMatch', () =>
      getCallerIdentity(
        config({
          credentials: {
            accessKeyId: alice.accessKeyId,
            secretAccessKey: SECRET,
            sessionToken: TOKEN,
          },
        }),
      ),
    )
    await provoke('AccessDenied', () =>
      assumeRole(
        { RoleArn: `arn:aws:iam::${ACCOUNT}:role/locked`, RoleSessionName: 'audit' },
        aliceConfig(),
      ),
    )
    await provoke('MFA denied', () =>
      getSessionToken({ SerialNumber: alice.mfaSerial!, TokenCode: '654321' }, aliceConfig()),
    )
    // Network, timeout, abort, throttling.
    await provoke('NetworkError', () =>
      getCallerIdentity(config({ endpoint: 'http://127.0.0.1:1/', maxAttempts: 1 })),
    )
    server.sts.faults = { delayMs: 2000 }
    await provoke('TimeoutError', () =>
      getCallerIdentity(aliceConfig({ timeoutMs: 50, maxAttempts: 1 })),
    )
    await provoke('AbortError', () =>
      getCallerIdentity(aliceConfig({ signal: AbortSignal.timeout(30) })),
    )
    server.sts.reset()
    server.sts.stop()
    server.sts.faults = { throttle: 5 }
    await provoke('Throttling', () =>
      assumeRole({ RoleArn: ROLE, RoleSessionName: 'audit' }, aliceConfig({ maxAttempts: 2 })),
    )
    server.sts.faults = { html5xx: { count: 5, status: 502 } }
    await provoke('HTML 502', () =>
      assumeRole({ RoleArn: ROLE, RoleSessionName: 'audit' }, aliceConfig({ maxAttempts: 1 })),
    )
    server.sts.faults = { truncateAt: 400 }
    await provoke('truncated', () =>
      assumeRole({ RoleArn: ROLE, RoleSessionName: 'audit' }, aliceConfig({ maxAttempts: 1 })),
    )
    server.sts.reset()
    // Parse errors over documents that carry the secrets.
    await provoke('parse: truncated credentials', () =>
      parseStsResponse(
        AssumeRole,
        `<AssumeRoleResponse><AssumeRoleResult><Credentials><SecretAccessKey>${SECRET}</SecretAccessKey><SessionToken>${TOKEN}`,
      ),
    )
    await provoke('parse: stray &', () =>
      parseStsResponse(
        AssumeRole,
        `<AssumeRoleResponse><AssumeRoleResult><Credentials><SessionToken>${TOKEN}&</SessionToken>`,
      ),
    )
    await provoke('parse: too large', () =>
      parseStsResponse(AssumeRole, `<AssumeRoleResponse>${TOKEN.repeat(200)}</AssumeRoleResponse>`),
    )
    // A hostile server that echoes the request's secrets in its error.
    const echo: typeof fetch = async (_url, init) => {
      const h = new Headers(init?.headers)
      const msg = `${h.get('authorization')} ${h.get('x-amz-security-token')} ${SECRET} ${init?.body}`
      return new Response(
        `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${msg.replace(/&/g, '&amp;')}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
        { status: 403 },
      )
    }
    await provoke('echoing server', () =>
      assumeRole(
        { RoleArn: ROLE, RoleSessionName: 'audit', SerialNumber: alice.mfaSerial!, TokenCode: MFA },
        config({ fetch: recording(echo) }),
      ),
    )
    await provoke('echoing server: trade-in token', () =>
      getDelegatedAccessToken({ TradeInToken: TRADE_IN }, config({ fetch: recording(echo) })),
    )
    // A token read from a file keeps its newline; the header (and so the echo) carries it trimmed.
    await provoke('echoing server: token with a newline', () =>
      getCallerIdentity(
        config({ credentials: { ...AUDIT, sessionToken: TOKEN + '\n' }, fetch: recording(echo) }),
      ),
    )
    // Providers and signed fetch.
    const provider = fromAssumeRole({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/locked` }, config())
    await provoke('provider', () => provider())
    const signed = createSignedFetch({
      credentials: AUDIT,
      region: 'us-east-1',
      service: 's3',
      fetch: recording(async () => Promise.reject(new TypeError('fetch failed'))),
      maxAttempts: 1,
      retryDelayMs: 1,
    })
    await provoke('signed fetch: network', () =>
      signed('https://bucket.s3.us-east-1.amazonaws.com/key'),
    )
    await provoke('signed fetch: body type', () =>
      signed('https://bucket.s3.us-east-1.amazonaws.com/key', {
        method: 'PUT',
        body: new Blob([SECRET]),
      }),
    )
    expect(errors.length).toBeGreaterThanOrEqual(24)
    expect(seen.size).toBeGreaterThan(10)
  })

  it('no secret in message, stack, String(), JSON.stringify() or util.inspect() of any of them', () => {
    const secrets = [
      SECRET,
      TOKEN,
      alice.secretAccessKey,
      MFA,
      TRADE_IN,
      encodeURIComponent(TRADE_IN),
      ...seen,
      ...derived(SECRET),
      ...derived(alice.secretAccessKey),
    ]
    for (const [what, e] of errors) {
      const views = {
        message: (e as Error).message,
        stack: (e as Error).stack,
        string: String(e),
        json: JSON.stringify(e),
        inspect: inspect(e, { depth: 10, showHidden: true }),
      }
      for (const [view, text] of Object.entries(views))
        for (const s of secrets)
          if (text?.includes(s))
            expect.fail(`${what}: ${view} contains a secret (${s.slice(0, 8)}…)`)
    }
  })

  it('the CLI prints no secret on stderr for any failure', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: alice.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: TOKEN,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_STS: server.url,
    }
    for (const argv of [
      ['get-caller-identity'],
      ['assume-role', '--role-arn', ROLE, '--token-code', MFA, '--serial-number', alice.mfaSerial!],
      ['assume-role', '--role-arn', SECRET],
      ['get-session-token', '--token-code', MFA],
    ]) {
      let out = ''
      const status = await main(argv, env, {
        stdout: (s) => void (out += s),
        stderr: (s) => void (out += s),
      })
      expect(status).toBeGreaterThan(0)
      for (const s of [SECRET, TOKEN, MFA]) expect(out).not.toContain(s)
    }
  })
})

describe('secret audit: the credential sources of edge-sts/node', () => {
  const WEB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.' + btoa(JSON.stringify({ sub: SECRET, exp: 1600000000 }))
  const LIVE_WEB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.' + btoa(JSON.stringify({ sub: 'audit', x: TOKEN }))
  const CONTAINER_TOKEN = 'container-auth/' + SECRET
  const IMDS_TOKEN = 'imds-session/' + TOKEN.slice(0, 40)
  const secrets = [SECRET, TOKEN, WEB_TOKEN, LIVE_WEB_TOKEN, CONTAINER_TOKEN, IMDS_TOKEN]
  const files: Record<string, string> = { '/expired.jwt': WEB_TOKEN, '/live.jwt': LIVE_WEB_TOKEN }
  const readFile = async (path: string) => {
    if (Object.hasOwn(files, path)) return files[path]!
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  }
  // An endpoint that answers with the secrets in its body (and echoes what it was sent).
  const echoing =
    (status: number, body: string): typeof fetch =>
    async (input, init) =>
      new Response(`${body} ${JSON.stringify(init?.headers ?? {})} ${String(init?.body ?? '')}`, {
        status,
      })

  it('raises no secret in any error of env, token file, container, IMDS or the chain', async () => {
    const { fromEnv } = await import('../src/node/env.ts')
    const { fromTokenFile } = await import('../src/node/token-file.ts')
    const { fromContainerMetadata } = await import('../src/node/container-metadata.ts')
    const { fromInstanceMetadata } = await import('../src/node/instance-metadata.ts')
    const { fromNodeProviderChain } = await import('../src/node/chain.ts')
    const sourceErrors: [string, unknown][] = []
    const record = async (what: string, f: () => Promise<unknown>) => {
      const error = await f().then(
        () => undefined,
        (e: unknown) => e,
      )
      if (error === undefined) throw new Error(`${what}: no error was raised`)
      sourceErrors.push([what, error])
    }
    const keys = { AWS_ACCESS_KEY_ID: 'AKIAAUDITEXAMPLE0001', AWS_SECRET_ACCESS_KEY: SECRET }
    await record('env: bad expiration', () =>
      fromEnv({ env: { ...keys, AWS_SESSION_TOKEN: TOKEN, AWS_CREDENTIAL_EXPIRATION: 'x' } })(),
    )
    await record('token file: expired JWT', () =>
      fromTokenFile({
        env: {},
        readFile,
        webIdentityTokenFile: '/expired.jwt',
        roleArn: ROLE,
        endpoint: server.url,
      })(),
    )
    await record('token file: STS rejects the token', () =>
      fromTokenFile({
        env: {},
        readFile,
        webIdentityTokenFile: '/live.jwt',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
        endpoint: server.url,
        region: 'us-east-1',
      })(),
    )
    await record('token file: an endpoint echoing the request', () =>
      fromTokenFile({
        env: {},
        readFile,
        webIdentityTokenFile: '/live.jwt',
        roleArn: ROLE,
        endpoint: 'https://sts.example.com/',
        region: 'us-east-1',
        fetch: echoing(
          400,
          `<ErrorResponse><Error><Code>Bad</Code><Message>${LIVE_WEB_TOKEN}</Message></Error></ErrorResponse>`,
        ),
        maxAttempts: 1,
      })(),
    )
    const container = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/creds',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: CONTAINER_TOKEN,
    }
    for (const [status, body] of [
      [200, `not json ${SECRET}`],
      [200, JSON.stringify({ AccessKeyId: 'A', SecretAccessKey: SECRET })],
      [403, `denied ${TOKEN}`],
      [500, `fault ${SECRET}`],
    ] as const) {
      await record(`container: HTTP ${status}`, () =>
        fromContainerMetadata({ env: container, fetch: echoing(status, body), maxRetries: 0 })(),
      )
    }
    await record('container: disallowed host with a token', () =>
      fromContainerMetadata({
        env: {
          ...container,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://10.0.0.1/${CONTAINER_TOKEN}`,
        },
      })(),
    )
    await record('container: unreachable', () =>
      fromContainerMetadata({ env: container, maxRetries: 0, timeoutMs: 200 })(),
    )
    const imds =
      (document: string): typeof fetch =>
      async (input, init) => {
        const url = String(input)
        if (init?.method == 'PUT') return new Response(IMDS_TOKEN)
        if (url.endsWith('/security-credentials/')) return new Response('role')
        return new Response(document)
      }
    await record('IMDS: Code Failure', () =>
      fromInstanceMetadata({
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' },
        readFile,
        homedir: () => '/',
        fetch: imds(JSON.stringify({ Code: 'Failure', SecretAccessKey: SECRET, Token: TOKEN })),
      })(),
    )
    await record('IMDS: no credentials', () =>
      fromInstanceMetadata({
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' },
        readFile,
        homedir: () => '/',
        fetch: imds(`{"SecretAccessKey":"${SECRET}"}`),
      })(),
    )
    await record('chain: env keys skipped for a profile, nothing found', () =>
      fromNodeProviderChain({
        env: {
          ...keys,
          AWS_SESSION_TOKEN: TOKEN,
          AWS_PROFILE: 'none',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        readFile,
        homedir: () => '/',
      })(),
    )
    expect(sourceErrors.length).toBe(13)
    for (const [what, e] of sourceErrors) {
      const views = {
        message: (e as Error).message,
        stack: (e as Error).stack,
        string: String(e),
        json: JSON.stringify(e),
        inspect: inspect(e, { depth: 10, showHidden: true }),
      }
      for (const [view, text] of Object.entries(views))
        for (const s of secrets)
          if (text?.includes(s))
            expect.fail(`${what}: ${view} contains a secret (${s.slice(0, 8)}…)`)
    }
  })
})
