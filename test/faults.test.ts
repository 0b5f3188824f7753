// The fault matrix over real HTTP: the local STS on 127.0.0.1 with faults switched on, the global
// fetch, the real client. Every case ends in success within the attempt budget or in a typed StsError
// with the right code, retryable flag and RequestId, with no unhandled rejection and no timer of the
// client left running (checked against the process's active resources after each case).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { assumeRole, StsError, type StsConfig } from '../src/index.ts'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const alice = USERS[0]!
const input = { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'faults' }
let server: Awaited<ReturnType<typeof startLocalSts>>
const unhandled: unknown[] = []
const onUnhandled = (e: unknown) => void unhandled.push(e)
const timers = () => process.getActiveResourcesInfo().filter((r) => r == 'Timeout').length
let baseline = 0
let fetches = 0

beforeAll(async () => {
  server = await startLocalSts()
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await server?.close()
})
beforeEach(() => {
  server.sts.reset()
  fetches = 0
  baseline = timers()
})
afterEach(async () => {
  server.sts.stop()
  // The server's drip ends at its next chunk once the socket is gone; a timer of the client (a
  // 10 s attempt timeout, a backoff wait) would still be there after a second.
  for (let i = 0; i < 50 && timers() > baseline; i++) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 20)) // let late rejections surface
  expect(unhandled).toEqual([])
  expect(timers()).toBeLessThanOrEqual(baseline)
})

const config = (o: Partial<StsConfig> = {}): StsConfig => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
  retryDelayMs: 1,
  fetch: (url, init) => (fetches++, fetch(url, init)),
  ...o,
})
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('the call succeeded'),
    (e) => {
      expect(e).toBeInstanceOf(StsError)
      return e as StsError
    },
  )
const ok = async (p: ReturnType<typeof assumeRole>) => {
  const out = await p
  expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/)
  expect(out.Credentials.Expiration).toBeInstanceOf(Date)
  return out
}
const UUID = /^[0-9a-f-]{36}$/

describe('fault matrix against the local STS', () => {
  it('connection refused → NetworkError, retryable, after every attempt', async () => {
    const e = await failure(
      assumeRole(input, config({ endpoint: 'http://127.0.0.1:1/', maxAttempts: 3 })),
    )
    expect(e).toMatchObject({ code: 'NetworkError', retryable: true, requestId: undefined })
    expect(fetches).toBe(3)
  })

  it('connection refused → the message names the host and the reason', async () => {
    // A port that was just free: nothing listens there.
    const { createServer } = await import('node:net')
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as { port: number }).port
    await new Promise((r) => probe.close(r))
    const e = await failure(
      assumeRole(input, config({ endpoint: `http://127.0.0.1:${port}/`, maxAttempts: 1 })),
    )
    expect(e.message).toBe(
      `could not reach 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    )
    expect(e.message).not.toContain(alice.secretAccessKey)
  })

  it('connection reset before the answer, once → success on the retry', async () => {
    server.sts.faults = { reset: { count: 1, when: 'before' } }
    await ok(assumeRole(input, config()))
    expect(fetches).toBe(2)
  })

  it('connection reset mid-body on every attempt → a retryable NetworkError', async () => {
    server.sts.faults = { reset: { count: 3, when: 'mid' } }
    const e = await failure(assumeRole(input, config({ maxAttempts: 3 })))
    expect(e).toMatchObject({ code: 'NetworkError', retryable: true, status: 200 })
    expect(fetches).toBe(3)
  })

  it('reset mid-body once → success on the retry', async () => {
    server.sts.faults = { reset: { count: 1, when: 'mid' } }
    await ok(assumeRole(input, config()))
    expect(fetches).toBe(2)
  })

  it('HTML 502 from a proxy, twice → success on the third attempt', async () => {
    server.sts.faults = { html5xx: { count: 2, status: 502 } }
    await ok(assumeRole(input, config({ maxAttempts: 3 })))
    expect(fetches).toBe(3)
  })

  it('HTML 503 past the budget → InvalidResponse with status 503, retryable', async () => {
    server.sts.faults = { html5xx: { count: 5, status: 503 } }
    const e = await failure(assumeRole(input, config({ maxAttempts: 2 })))
    expect(e).toMatchObject({
      code: 'InvalidResponse',
      status: 503,
      retryable: true,
      requestId: undefined,
    })
    expect(fetches).toBe(2)
  })

  it('200 with an empty body → InvalidResponse, not retried', async () => {
    server.sts.faults = { emptyBody: true }
    const e = await failure(assumeRole(input, config()))
    expect(e).toMatchObject({ code: 'InvalidResponse', status: 200, retryable: false })
    expect(e.message).toMatch(/empty/)
    expect(fetches).toBe(1)
  })

  it('200 carrying an ErrorResponse → the STS error code with its RequestId', async () => {
    server.sts.faults = { errorsAs200: true }
    const e = await failure(
      assumeRole({ ...input, RoleArn: `arn:aws:iam::${ACCOUNT}:role/locked` }, config()),
    )
    expect(e).toMatchObject({ code: 'AccessDenied', type: 'Sender', status: 200, retryable: false })
    expect(e.requestId).toMatch(UUID)
  })

  it('a truncated 200 → InvalidResponse', async () => {
    server.sts.faults = { truncateAt: 300 }
    const e = await failure(assumeRole(input, config({ maxAttempts: 1 })))
    expect(e).toMatchObject({ code: 'InvalidResponse', status: 200 })
    expect(e.message).toMatch(/truncated|malformed|mismatched/)
  })

  it('a throttling storm longer than the budget → Throttling, retryable, exactly maxAttempts requests', async () => {
    server.sts.faults = { throttle: 10 }
    const e = await failure(assumeRole(input, config({ maxAttempts: 4 })))
    expect(e).toMatchObject({ code: 'Throttling', status: 400, retryable: true })
    expect(e.requestId).toMatch(UUID)
    expect(server.sts.state.requests).toHaveLength(4)
  })

  it('a slow drip past the timeout → TimeoutError within the time limit of each attempt', async () => {
    server.sts.faults = { chunkSize: 16, chunkDelayMs: 40 }
    const t = Date.now()
    const e = await failure(assumeRole(input, config({ timeoutMs: 200, maxAttempts: 2 })))
    expect(e).toMatchObject({ code: 'TimeoutError', retryable: true })
    expect(Date.now() - t).toBeLessThan(2000)
    expect(fetches).toBe(2)
  })

  it('a server that never answers → TimeoutError', async () => {
    server.sts.faults = { delayMs: 5000 }
    const e = await failure(assumeRole(input, config({ timeoutMs: 150, maxAttempts: 2 })))
    expect(e).toMatchObject({ code: 'TimeoutError', retryable: true })
    expect(e.message).toBe('no complete STS response within timeoutMs (150 ms) on attempt 2 of 2')
  })

  it('a skewed clock (STS 20 minutes ahead) → re-signed once with the learned offset, success', async () => {
    server.sts.faults = { skewMs: 20 * 60_000 }
    await ok(assumeRole(input, config({ endpoint: server.url.replace('127.0.0.1', 'localhost') })))
    expect(server.sts.state.requests).toHaveLength(2)
  })
})

describe('abort at every stage', () => {
  const aborted = async (p: Promise<unknown>, within = 1000) => {
    const t = Date.now()
    const e = await failure(p)
    expect(e).toMatchObject({ code: 'AbortError', retryable: false })
    expect(Date.now() - t).toBeLessThan(within)
    return e
  }

  it('before sending: nothing is sent', async () => {
    const c = new AbortController()
    c.abort(new Error('user left'))
    const e = await aborted(assumeRole(input, config({ signal: c.signal })))
    expect((e.cause as Error).message).toBe('user left')
    expect(fetches).toBe(0)
  })

  it('while waiting for the answer', async () => {
    server.sts.faults = { delayMs: 5000 }
    await aborted(assumeRole(input, config({ signal: AbortSignal.timeout(100) })))
    expect(fetches).toBe(1)
  })

  it('while the body streams in', async () => {
    server.sts.faults = { chunkSize: 8, chunkDelayMs: 30 }
    await aborted(assumeRole(input, config({ signal: AbortSignal.timeout(150) })))
  })

  it('during the backoff wait between attempts', async () => {
    server.sts.faults = { throttle: 10 }
    const c = new AbortController()
    const p = assumeRole(input, config({ signal: c.signal, retryDelayMs: 10_000, maxAttempts: 5 }))
    setTimeout(() => c.abort(), 100)
    await aborted(p)
    expect(fetches).toBe(1)
  })
})
