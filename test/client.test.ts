// The client with an in-process fetch stub: endpoints, retries, timeouts, abort and clock skew.
// Response bodies are the real STS samples of the shared vectors; expected values come from their index.
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { assumeRole } from '../src/sts.ts'
import { StsError, StsValidationError } from '../src/errors.ts'
import { checkStsConfig, type StsConfig } from '../src/client.ts'
import { STSClient } from '@aws-sdk/client-sts'

const vectors = new URL('../../shared/vectors/sts/', import.meta.url)
const sample = (f: string) => readFileSync(new URL(f, vectors), 'utf8')
const index = JSON.parse(sample('index.json'))
const expected = (f: string) => index.samples.find((s: { file: string }) => s.file === f)

const OK = 'assume-role-ok-recorded-basic.xml'
const THROTTLE = 'error-throttling.xml'
const input = { RoleArn: 'arn:aws:iam::123456789012:role/demo', RoleSessionName: 'session' }
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}

type Reply = { status?: number; body: string; headers?: Record<string, string> } | Error
const stub = (...replies: Reply[]) => {
  const calls: { url: string; init: RequestInit }[] = []
  const f = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    const r = replies[Math.min(calls.length - 1, replies.length - 1)]!
    if (r instanceof Error) throw r
    return new Response(r.body, { status: r.status ?? 200, headers: r.headers })
  })
  return { fetch: f as unknown as typeof fetch, calls }
}
const run = (cfg: Partial<StsConfig>, i: object = input) =>
  assumeRole(i as typeof input, { credentials, region: 'us-east-1', retryDelayMs: 1, ...cfg })

describe('assumeRole with a stubbed fetch', () => {
  it('returns the SDK-shaped result of a real STS response', async () => {
    const s = stub({ body: sample(OK) })
    const out = await run({ fetch: s.fetch })
    const e = expected(OK).expected
    expect(out.Credentials).toEqual({
      AccessKeyId: e.AccessKeyId,
      SecretAccessKey: e.SecretAccessKey,
      SessionToken: e.SessionToken,
      Expiration: new Date(e.Expiration),
    })
    expect(out.AssumedRoleUser).toEqual({
      Arn: e['AssumedRoleUser.Arn'],
      AssumedRoleId: e['AssumedRoleUser.AssumedRoleId'],
    })
    expect(out.RequestId).toBe(e.RequestId)
    expect(out.PackedPolicySize).toBeUndefined()
  })

  it('sends a signed form POST to the regional endpoint', async () => {
    const s = stub({ body: sample(OK) })
    await run({ fetch: s.fetch, region: 'eu-west-1' }, { ...input, RoleSessionName: 'a+b' })
    const { url, init } = s.calls[0]!
    expect(url).toBe('https://sts.eu-west-1.amazonaws.com/')
    expect(init.method).toBe('POST')
    const h = init.headers as Record<string, string>
    expect(h['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8')
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    )
    expect(new URLSearchParams(init.body as string).get('RoleSessionName')).toBe('a+b')
  })

  it('signs the session token of temporary credentials (role chaining)', async () => {
    const s = stub({ body: sample(OK) })
    await run({ fetch: s.fetch, credentials: { ...credentials, sessionToken: 'tok' } })
    const h = s.calls[0]!.init.headers as Record<string, string>
    expect(h['x-amz-security-token']).toBe('tok')
    expect(h.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    )
  })

  it('takes credentials from a provider function', async () => {
    const s = stub({ body: sample(OK) })
    const provider = vi.fn(async () => credentials)
    await run({ fetch: s.fetch, credentials: provider })
    expect(provider).toHaveBeenCalledTimes(1)
  })

  const endpoints: [Partial<StsConfig>, string, string][] = [
    [{ region: 'us-east-1' }, 'https://sts.us-east-1.amazonaws.com/', 'us-east-1'],
    [{ region: 'cn-north-1' }, 'https://sts.cn-north-1.amazonaws.com.cn/', 'cn-north-1'],
    [{ region: 'aws-global' }, 'https://sts.amazonaws.com/', 'us-east-1'],
    [
      { region: 'us-west-2', useFipsEndpoint: true },
      'https://sts-fips.us-west-2.amazonaws.com/',
      'us-west-2',
    ],
    [
      { region: 'us-gov-west-1', useFipsEndpoint: true },
      'https://sts-fips.us-gov-west-1.amazonaws.com/',
      'us-gov-west-1',
    ],
    [
      { region: undefined, endpoint: 'https://sts.ap-south-1.amazonaws.com' },
      'https://sts.ap-south-1.amazonaws.com/',
      'ap-south-1',
    ],
    [
      { region: undefined, endpoint: 'https://sts.amazonaws.com' },
      'https://sts.amazonaws.com/',
      'us-east-1',
    ],
    [
      { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9999/sts' },
      'http://127.0.0.1:9999/sts',
      'eu-west-1',
    ],
  ]
  for (const [cfg, url, signingRegion] of endpoints) {
    it(`resolves ${JSON.stringify(cfg)} to ${url}, signed for ${signingRegion}`, async () => {
      const s = stub({ body: sample(OK) })
      await run({ fetch: s.fetch, ...cfg })
      expect(s.calls[0]!.url).toBe(url)
      expect((s.calls[0]!.init.headers as Record<string, string>).authorization).toContain(
        `/${signingRegion}/sts/aws4_request`,
      )
    })
  }

  const badConfig: [Partial<StsConfig>, string, string][] = [
    [{ region: undefined }, 'region', 'required'],
    [{ region: 'evil.example.com/' }, 'region', 'pattern'],
    [{ region: undefined, endpoint: 'http://127.0.0.1:1/' }, 'region', 'required'],
    [{ endpoint: 'not a url' }, 'endpoint', 'url'],
    [{ endpoint: 'ftp://x/' }, 'endpoint', 'url'],
    [{ endpoint: 'https://sts.amazonaws.com/?Action=GetCallerIdentity' }, 'endpoint', 'url'],
    [{ region: 'eu-west-1', useFipsEndpoint: true }, 'useFipsEndpoint', 'region'],
    [{ maxAttempts: 0 }, 'maxAttempts', 'range'],
    [{ timeoutMs: -1 }, 'timeoutMs', 'range'],
    [{ credentials: undefined }, 'credentials.accessKeyId', 'required'],
  ]
  for (const [cfg, param, rule] of badConfig) {
    it(`rejects config ${JSON.stringify(cfg)} before any request`, async () => {
      const s = stub({ body: sample(OK) })
      const err = await run({ fetch: s.fetch, ...cfg }).catch((e) => e)
      expect(err).toBeInstanceOf(StsValidationError)
      expect(err.issues[0]).toMatchObject({ param, rule })
      expect(s.calls).toHaveLength(0)
    })
  }

  it('validates the input before any request', async () => {
    const s = stub({ body: sample(OK) })
    const err = await run({ fetch: s.fetch }, { RoleArn: 'x' }).catch((e) => e)
    expect(err.issues.map((i: { param: string }) => i.param)).toEqual([
      'RoleArn',
      'RoleSessionName',
    ])
    expect(s.calls).toHaveLength(0)
  })

  it('retries throttling and re-signs each attempt', async () => {
    const s = stub(
      { status: 400, body: sample(THROTTLE) },
      { status: 400, body: sample(THROTTLE) },
      { body: sample(OK) },
    )
    const out = await run({ fetch: s.fetch })
    expect(out.Credentials.AccessKeyId).toBe(expected(OK).expected.AccessKeyId)
    expect(s.calls).toHaveLength(3)
  })

  it('gives up after maxAttempts with the STS code, message and RequestId', async () => {
    const s = stub({ status: 400, body: sample(THROTTLE) })
    const err = await run({ fetch: s.fetch, maxAttempts: 2 }).catch((e) => e)
    const e = expected(THROTTLE).expected
    expect(err).toBeInstanceOf(StsError)
    expect(err).toMatchObject({
      code: 'Throttling',
      retryable: true,
      status: 400,
      requestId: e.RequestId,
      message: e.Message,
    })
    expect(s.calls).toHaveLength(2)
  })

  it('never retries an auth error', async () => {
    const f = 'error-access-denied-exception-no-namespace.xml'
    const s = stub({ status: 403, body: sample(f) })
    const err = await run({ fetch: s.fetch }).catch((e) => e)
    expect(err).toMatchObject({ code: expected(f).expected.Code, retryable: false, status: 403 })
    expect(s.calls).toHaveLength(1)
  })

  it('retries network errors and an HTML 502 from a proxy', async () => {
    const s = stub(
      new TypeError('fetch failed'),
      { status: 502, body: '<html><body>Bad Gateway</body></html>' },
      { body: sample(OK) },
    )
    await run({ fetch: s.fetch })
    expect(s.calls).toHaveLength(3)
    const s2 = stub(new TypeError('fetch failed'))
    const err = await run({ fetch: s2.fetch, maxAttempts: 2 }).catch((e) => e)
    expect(err).toMatchObject({ code: 'NetworkError', retryable: true })
    expect(err.cause).toBeInstanceOf(TypeError)
  })

  it('says which host could not be reached and why (Node puts the reason in a cause)', async () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND sts.us-east1.amazonaws.com'), {
      code: 'ENOTFOUND',
    })
    const s = stub(new TypeError('fetch failed', { cause: dns }))
    const err = await run({ fetch: s.fetch, region: 'us-east1', maxAttempts: 1 }).catch((e) => e)
    expect(err).toMatchObject({ code: 'NetworkError', retryable: true })
    expect(err.message).toBe(
      'could not reach sts.us-east1.amazonaws.com: getaddrinfo ENOTFOUND sts.us-east1.amazonaws.com',
    )
    // An AggregateError of Node's dual-stack connect has an empty message: its code says it.
    const refused = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' })
    const s2 = stub(new TypeError('fetch failed', { cause: refused }))
    const err2 = await run({ fetch: s2.fetch, maxAttempts: 1 }).catch((e) => e)
    expect(err2.message).toBe('could not reach sts.us-east-1.amazonaws.com: ECONNREFUSED')
  })

  it('keeps a secret a broken fetch quotes out of the network error', async () => {
    const s = stub(new TypeError(`fetch failed for ${credentials.secretAccessKey}`))
    const err = await run({ fetch: s.fetch, maxAttempts: 1 }).catch((e) => e)
    expect(err.message).toBe(
      'could not reach sts.us-east-1.amazonaws.com: fetch failed for [redacted]',
    )
  })

  it('times out each attempt and reports TimeoutError', async () => {
    const hang = vi.fn(
      (_u: string, init: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        ),
    )
    const err = await run({
      fetch: hang as unknown as typeof fetch,
      timeoutMs: 20,
      maxAttempts: 2,
    }).catch((e) => e)
    expect(err).toMatchObject({ code: 'TimeoutError', retryable: true })
    expect(hang).toHaveBeenCalledTimes(2)
  })

  it('stops at once on abort, also during the backoff wait', async () => {
    const ctl = new AbortController()
    const s = stub({ status: 503, body: 'unavailable' })
    const p = run({ fetch: s.fetch, signal: ctl.signal, retryDelayMs: 60000 })
    await vi.waitFor(() => expect(s.calls).toHaveLength(1))
    ctl.abort()
    const err = await p.catch((e) => e)
    expect(err).toMatchObject({ code: 'AbortError', retryable: false })
    const pre = new AbortController()
    pre.abort()
    const s2 = stub({ body: sample(OK) })
    expect(await run({ fetch: s2.fetch, signal: pre.signal }).catch((e) => e.code)).toBe(
      'AbortError',
    )
    expect(s2.calls).toHaveLength(0)
  })

  it('stops when the signal aborts while the request is being signed', async () => {
    const ctl = new AbortController()
    const s = stub({ body: sample(OK) })
    const provider = async () => {
      ctl.abort()
      return credentials
    }
    const err = await run({ fetch: s.fetch, signal: ctl.signal, credentials: provider }).catch(
      (e) => e,
    )
    expect(err).toMatchObject({ code: 'AbortError' })
    expect(s.calls).toHaveLength(0)
  })

  it('learns the clock offset from the Date header of a skew rejection and re-signs once', async () => {
    const serverNow = Date.now() + 3600_000
    const skewed = {
      status: 403,
      headers: { date: new Date(serverNow).toUTCString() },
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Signature expired: 20260101T000000Z is now earlier than 20260101T004500Z (20260101T010000Z - 15 min.)</Message></Error><RequestId>r1</RequestId></ErrorResponse>',
    }
    const s = stub(skewed, { body: sample(OK) })
    await run({
      fetch: s.fetch,
      endpoint: 'https://skew.test/',
      region: 'us-east-1',
      maxAttempts: 1,
    })
    const dates = s.calls.map((c) => (c.init.headers as Record<string, string>)['x-amz-date']!)
    const toMs = (d: string) =>
      Date.parse(d.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z'))
    expect(Math.abs(toMs(dates[1]!) - serverNow)).toBeLessThan(5000)
    // A second skew rejection in the same call is not retried again.
    const s2 = stub(skewed)
    const err = await run({
      fetch: s2.fetch,
      endpoint: 'https://skew2.test/',
      region: 'us-east-1',
      maxAttempts: 1,
    }).catch((e) => e)
    expect(err.code).toBe('SignatureDoesNotMatch')
    expect(s2.calls).toHaveLength(2)
  })
})

describe('config checks', () => {
  const rejection = async (cfg: object) => {
    const s = stub({ body: sample(OK) })
    const err = await run({ fetch: s.fetch, ...cfg }).catch((e) => e)
    expect(err).toBeInstanceOf(StsValidationError)
    expect(s.calls).toHaveLength(0)
    return err as StsValidationError
  }

  it('rejects unknown options, with the likely meant name', async () => {
    const err = await rejection({ timeout: 1000 })
    expect(err.issues).toEqual([
      {
        param: 'timeout',
        rule: 'unknown',
        message: 'timeout: is not an option of config (did you mean timeoutMs?)',
      },
    ])
    const sdk = await rejection({ requestHandler: {}, maxRetries: 2 })
    expect(sdk.issues.map((i) => i.message)).toEqual([
      'requestHandler: is not an option of config (did you mean fetch?)',
      'maxRetries: is not an option of config (did you mean maxAttempts?)',
    ])
  })

  it('rejects inherited names as options', async () => {
    const err = await rejection(JSON.parse('{"__proto__":{},"constructor":1}'))
    expect(err.issues.map((i) => `${i.param}:${i.rule}`)).toEqual([
      '__proto__:unknown',
      'constructor:unknown',
    ])
  })

  it('names type mismatches: timeoutMs as a string, a non-boolean useFipsEndpoint', async () => {
    const err = await rejection({ timeoutMs: '5000', useFipsEndpoint: 'yes', maxAttempts: 2.5 })
    expect(err.issues.map((i) => i.message)).toEqual([
      'timeoutMs: must be a number, not a string',
      'maxAttempts: must be an integer from 1 to 10',
      'useFipsEndpoint: must be a boolean, not a string',
    ])
  })

  it('says that an AWS SDK STSClient is not a config', async () => {
    const err = await rejection(new STSClient({ region: 'us-east-1' }) as never)
    expect(err.issues).toHaveLength(1)
    expect(err.message).toBe(
      'config: is an AWS SDK client: give a config such as { region, credentials }',
    )
    expect(err.message).not.toMatch(/region is required/)
  })

  it('names the likely mistake in credentials: STS Credentials given directly or by a provider', async () => {
    const sts = { AccessKeyId: 'AKID', SecretAccessKey: 'secret', SessionToken: 'token' }
    const pascal = await rejection({ credentials: sts })
    expect(pascal.message).toBe(
      'credentials: has the keys of STS Credentials (AccessKeyId, ...): convert with toIdentity()',
    )
    expect(JSON.stringify(pascal) + pascal.message).not.toContain('secret')
    const provided = await rejection({ credentials: async () => sts })
    expect(provided.issues[0]).toMatchObject({ param: 'credentials()', rule: 'type' })
    expect(provided.message).toContain('toIdentity()')
    const none = await rejection({ credentials: async () => undefined })
    expect(none.issues[0]).toMatchObject({ param: 'credentials()', rule: 'required' })
  })

  it('checkStsConfig checks a config on its own, taking the extra options a caller names', () => {
    expect(() => checkStsConfig({ region: 'us-east-1', credentials })).not.toThrow()
    expect(() => checkStsConfig({ region: 'us-east-1', refreshWindowMs: 1 })).toThrow(
      'refreshWindowMs: is not an option of config',
    )
    expect(() =>
      checkStsConfig({ region: 'us-east-1', refreshWindowMs: 1 }, ['refreshWindowMs']),
    ).not.toThrow()
    expect(() => checkStsConfig(undefined)).toThrow('config: is required')
    expect(() => checkStsConfig({ region: 5 })).toThrow('region: must be a string, not a number')
  })
})
