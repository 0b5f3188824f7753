import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  cachedProvider,
  fromAssumeRole,
  fromOperation,
  fromWebIdentity,
  type AwsCredentialIdentity,
} from '../src/credentials.ts'
import { GetSessionToken } from '../src/operations.ts'
import { signRequest } from '../src/sigv4.ts'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const creds = (id: string, expiresInMs: number): AwsCredentialIdentity => ({
  accessKeyId: id,
  secretAccessKey: 's',
  sessionToken: 't',
  expiration: new Date(Date.now() + expiresInMs),
})

afterEach(() => vi.useRealTimers())

describe('cachedProvider', () => {
  it('shares one call among 1,000 concurrent callers on a cold cache', async () => {
    const get = vi.fn(async () => creds('A', 3600_000))
    const p = cachedProvider(get)
    const all = await Promise.all(Array.from({ length: 1000 }, () => p()))
    expect(get).toHaveBeenCalledTimes(1)
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['A']))
  })

  it('serves the cache until the refresh window (default 5 minutes) and then refreshes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    let n = 0
    const get = vi.fn(async () => creds(`K${++n}`, 3600_000))
    const p = cachedProvider(get)
    expect((await p()).accessKeyId).toBe('K1')
    vi.setSystemTime(Date.now() + 3600_000 - 300_001)
    expect((await p()).accessKeyId).toBe('K1')
    vi.setSystemTime(Date.now() + 2)
    expect((await p()).accessKeyId).toBe('K2')
    expect(get).toHaveBeenCalledTimes(2)
  })

  it('honours refreshWindowMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const get = vi.fn(async () => creds('K', 60_000))
    const p = cachedProvider(get, { refreshWindowMs: 10_000 })
    await p()
    await p()
    expect(get).toHaveBeenCalledTimes(1)
    vi.setSystemTime(Date.now() + 50_001)
    await p()
    expect(get).toHaveBeenCalledTimes(2)
  })

  it('does not cache a failure: the next call tries again', async () => {
    const get = vi
      .fn()
      .mockRejectedValueOnce(new Error('boom'))
      .mockResolvedValueOnce(creds('B', 3600_000))
    const p = cachedProvider(get)
    await expect(p()).rejects.toThrow('boom')
    expect((await p()).accessKeyId).toBe('B')
  })

  it('returns still-valid credentials when an early refresh fails, and reports the error once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const onRefreshError = vi.fn()
    const get = vi
      .fn()
      .mockResolvedValueOnce(creds('OLD', 600_000))
      .mockRejectedValue(new Error('sts down'))
    const p = cachedProvider(get, { onRefreshError })
    await p()
    vi.setSystemTime(Date.now() + 400_000) // inside the window, not expired
    const results = await Promise.all([p(), p(), p()])
    expect(results.map((c) => c.accessKeyId)).toEqual(['OLD', 'OLD', 'OLD'])
    await Promise.resolve()
    expect(onRefreshError).toHaveBeenCalledTimes(1)
    expect(onRefreshError.mock.calls[0]![0].message).toBe('sts down')
  })

  it('never returns expired credentials', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const get = vi
      .fn()
      .mockResolvedValueOnce(creds('OLD', 1000))
      .mockRejectedValue(new Error('sts down'))
    const p = cachedProvider(get)
    await p()
    vi.setSystemTime(Date.now() + 1001)
    await expect(p()).rejects.toThrow('sts down')
  })

  it('reads the clock from `now`, not Date.now', async () => {
    const start = Date.parse('2030-01-01T00:00:00Z')
    let clock = start
    let n = 0
    const get = vi.fn(async () => ({
      accessKeyId: `K${++n}`,
      secretAccessKey: 's',
      expiration: new Date(start + 3600_000),
    }))
    const p = cachedProvider(get, { now: () => clock })
    expect((await p()).accessKeyId).toBe('K1')
    clock = start + 3600_000 - 300_001
    expect((await p()).accessKeyId).toBe('K1')
    clock = start + 3600_000 - 299_999
    expect((await p()).accessKeyId).toBe('K2')
  })

  it('never returns credentials that `get` hands over already expired', async () => {
    const get = vi.fn(async () => creds('DEAD', -1000))
    const p = cachedProvider(get)
    await expect(p()).rejects.toMatchObject({ name: 'EdgeStsError', code: 'ExpiredCredentials' })
  })

  it('keeps still-valid credentials when a refresh hands over expired ones, and reports it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const onRefreshError = vi.fn()
    const get = vi
      .fn()
      .mockResolvedValueOnce(creds('OLD', 600_000))
      .mockResolvedValue(creds('DEAD', -1))
    const p = cachedProvider(get, { onRefreshError })
    await p()
    vi.setSystemTime(Date.now() + 400_000)
    expect((await p()).accessKeyId).toBe('OLD')
    await Promise.resolve()
    expect(onRefreshError.mock.calls[0]![0]).toMatchObject({ code: 'ExpiredCredentials' })
  })

  it('caches an expiration given as an ISO string (a JSON or KV round trip) and returns a Date', async () => {
    const expiration = new Date(Date.now() + 3600_000).toISOString()
    const get = vi.fn(async () => ({ accessKeyId: 'J', secretAccessKey: 's', expiration }))
    const p = cachedProvider(get)
    const first = await p()
    await p()
    expect(get).toHaveBeenCalledTimes(1)
    expect(first.expiration).toBeInstanceOf(Date)
    expect(first.expiration!.toISOString()).toBe(expiration)
  })

  it('caches an expiration given as epoch milliseconds', async () => {
    const expiration = Date.now() + 3600_000
    const get = vi.fn(async () => ({ accessKeyId: 'N', secretAccessKey: 's', expiration }))
    const p = cachedProvider(get)
    expect(+(await p()).expiration!).toBe(expiration)
    await p()
    expect(get).toHaveBeenCalledTimes(1)
  })

  it.each([['next tuesday'], [Number.NaN], [new Date('nope')], [{}], [true]])(
    'rejects an expiration that is not a date (%s) with a validation error',
    async (expiration) => {
      const get = async () => ({ accessKeyId: 'X', secretAccessKey: 's', expiration }) as any
      await expect(cachedProvider(get)()).rejects.toMatchObject({
        code: 'ValidationError',
        issues: [{ param: 'expiration', rule: 'type' }],
      })
    },
  )

  it('caches credentials without expiration for good', async () => {
    const get = vi.fn(async () => ({ accessKeyId: 'S', secretAccessKey: 's' }))
    const p = cachedProvider(get)
    await p()
    await p()
    expect(get).toHaveBeenCalledTimes(1)
  })
})

describe('fromAssumeRole against the local STS', () => {
  let server: Awaited<ReturnType<typeof startLocalSts>>
  beforeAll(async () => void (server = await startLocalSts()))
  afterAll(() => server.close())
  afterEach(() => server.sts.reset())
  const alice = USERS[0]!
  const base = {
    endpoint: '',
    region: 'us-east-1',
    credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
  }
  const cfg = () => ({ ...base, endpoint: server.url })

  it('gives the SDK credential shape, calls STS once for many callers, and uses a default session name', async () => {
    const provider = fromAssumeRole({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo` }, cfg())
    const [a, b] = await Promise.all([provider(), provider()])
    expect(a).toBe(b)
    expect(a.accessKeyId).toMatch(/^ASIA/)
    expect(a.expiration).toBeInstanceOf(Date)
    expect(server.sts.state.requests).toHaveLength(1)
    expect(server.sts.state.requests[0]!.params.RoleSessionName).toMatch(/^edge-sts-\d{13}$/)
    // Plugs into the signer as it is.
    const signed = await signRequest(
      { url: 'https://s3.amazonaws.com/b/k' },
      { credentials: a, region: 'us-east-1', service: 's3' },
    )
    expect(signed.headers['x-amz-security-token']).toBe(a.sessionToken)
  })

  it('chains roles through providers: A → B → C, each hop signed with the previous session token', async () => {
    const hop1 = fromAssumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'hop1' },
      cfg(),
    )
    const hop2 = fromAssumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/chained`, RoleSessionName: 'hop2' },
      { ...cfg(), credentials: hop1 },
    )
    const c = await hop2()
    const [first, second] = server.sts.state.requests
    expect(first!.params.RoleSessionName).toBe('hop1')
    expect(second!.params.RoleSessionName).toBe('hop2')
    expect(second!.headers['x-amz-security-token']).toBeTruthy()
    expect(server.sts.sessions.get(c.accessKeyId)!.arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/chained/hop2`,
    )
  })

  it('asks for the MFA code only when STS is called', async () => {
    const tokenCode = vi.fn(async () => alice.mfaCode!)
    const provider = fromAssumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/mfa`, SerialNumber: alice.mfaSerial },
      { ...cfg(), tokenCode },
    )
    await provider()
    await provider()
    expect(tokenCode).toHaveBeenCalledTimes(1)
    expect(server.sts.state.requests[0]!.params.TokenCode).toBe(alice.mfaCode)
  })

  it('names the default session from the `now` clock', async () => {
    const provider = fromAssumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo` },
      { ...cfg(), now: () => 1_700_000_000_000 },
    )
    await provider()
    expect(server.sts.state.requests[0]!.params.RoleSessionName).toBe('edge-sts-1700000000000')
  })

  it('lets a failed call be retried by the next caller', async () => {
    server.sts.faults = { throttle: 10 }
    const provider = fromAssumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo` },
      { ...cfg(), maxAttempts: 1 },
    )
    await expect(provider()).rejects.toMatchObject({ code: 'Throttling' })
    server.sts.faults = {}
    expect((await provider()).accessKeyId).toMatch(/^ASIA/)
  })
})

describe('providers check their input and config when they are made (not at the first call)', () => {
  const credentials = { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 'secret/key' }
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo`
  const config = { region: 'us-east-1', credentials }
  const issuesOf = (make: () => unknown) => {
    try {
      make()
    } catch (error) {
      expect(error).toMatchObject({ name: 'StsValidationError', code: 'ValidationError' })
      return (error as { issues: { param: string; rule: string }[] }).issues
    }
    return expect.fail('no error when the provider was made')
  }

  it.each([
    ['a RoleArn that is no ARN', () => fromAssumeRole({ RoleArn: 'my-role' }, config), 'RoleArn'],
    [
      'no region and no endpoint',
      () => fromAssumeRole({ RoleArn: ROLE }, { credentials }),
      'region',
    ],
    [
      'an unknown config key (timeout for timeoutMs)',
      () => fromAssumeRole({ RoleArn: ROLE }, { ...config, timeout: 1000 } as any),
      'timeout',
    ],
    [
      'a RoleSessionName with a space',
      () => fromAssumeRole({ RoleArn: ROLE, RoleSessionName: 'my session' }, config),
      'RoleSessionName',
    ],
    [
      'SerialNumber without tokenCode',
      () =>
        fromAssumeRole({ RoleArn: ROLE, SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/a` }, config),
      'tokenCode',
    ],
    [
      'refreshWindowMs as a string',
      () => fromAssumeRole({ RoleArn: ROLE }, { ...config, refreshWindowMs: '60000' } as any),
      'refreshWindowMs',
    ],
    [
      'fromWebIdentity with a bad RoleArn (token read by a function)',
      () => fromWebIdentity({ RoleArn: 'x', WebIdentityToken: () => 'token' }, config),
      'RoleArn',
    ],
    [
      'fromWebIdentity without a region',
      () => fromWebIdentity({ RoleArn: ROLE, WebIdentityToken: 'token' }, {}),
      'region',
    ],
    [
      'fromOperation with an out-of-range DurationSeconds',
      () => fromOperation(GetSessionToken, { DurationSeconds: 10 }, config),
      'DurationSeconds',
    ],
    [
      'cachedProvider with onRefreshError that is no function',
      () => cachedProvider(async () => creds('A', 1), { onRefreshError: 'log' } as any),
      'onRefreshError',
    ],
  ])('%s', (_what, make, param) => {
    expect(issuesOf(make).map((issue) => issue.param)).toContain(param)
  })

  it('makes a valid provider without calling anything', () => {
    const fetch = vi.fn()
    const tokenCode = vi.fn()
    fromAssumeRole(
      { RoleArn: ROLE, SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice` },
      { ...config, fetch, tokenCode },
    )
    fromWebIdentity(
      { RoleArn: ROLE, WebIdentityToken: () => 'token' },
      { region: 'us-east-1', fetch },
    )
    fromOperation(GetSessionToken, { DurationSeconds: 900 }, { ...config, fetch })
    expect(fetch).not.toHaveBeenCalled()
    expect(tokenCode).not.toHaveBeenCalled()
  })
})
