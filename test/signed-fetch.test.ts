// createSignedFetch against a loopback server that re-signs every request with AWS's own signer
// (@smithy/signature-v4) for the service it is told, and answers 403 when the signatures differ.
import { createServer, type Server } from 'node:http'
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSignedFetch } from '../src/signed-fetch.ts'
import { StsValidationError } from '../src/errors.ts'

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'tok/en+=',
}
let server: Server
let base = ''
let failNext = 0
const seen: { path: string; headers: Record<string, string>; body: string; ok: boolean }[] = []

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const auth = String(req.headers.authorization)
    const [, region, service, signedHeaders, signature] =
      /\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=(\w+)$/.exec(
        auth,
      ) ?? []
    const url = new URL(req.url!, `http://${req.headers.host}`)
    const headers: Record<string, string> = {}
    for (const n of signedHeaders?.split(';') ?? []) headers[n] = String(req.headers[n])
    const query: Record<string, string | string[]> = {}
    // The query as SigV4 reads it: percent-decoding only (a `+` is a plus, not a space).
    for (const [k, v = ''] of url.search
      .slice(1)
      .split('&')
      .filter(Boolean)
      .map((p) => p.split('=').map(decodeURIComponent)))
      query[k!] = k! in query ? [query[k!]!].flat().concat(v) : v
    const amz = String(req.headers['x-amz-date'])
    const date = new Date(
      amz.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z'),
    )
    const oracle = new SignatureV4({
      credentials,
      region: region!,
      service: service!,
      sha256: Sha256,
      uriEscapePath: service !== 's3',
      applyChecksum: false,
    })
    const again = (await oracle.sign(
      {
        method: req.method!,
        protocol: 'http:',
        hostname: url.hostname,
        port: +url.port,
        path: url.pathname,
        query,
        headers,
        body: body.length ? body : undefined,
      } as any,
      { signingDate: date, signableHeaders: new Set(signedHeaders?.split(';')) },
    )) as unknown as { headers: Record<string, string> }
    const ok = !!signature && again.headers.authorization!.endsWith(`Signature=${signature}`)
    seen.push({
      path: url.pathname + url.search,
      headers: req.headers as Record<string, string>,
      body: body.toString(),
      ok,
    })
    if (failNext > 0) {
      failNext--
      res.writeHead(503).end('busy')
    } else
      res
        .writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' })
        .end(ok ? 'signed' : 'bad signature')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(() => {
  seen.length = 0
  failNext = 0
})

describe('createSignedFetch', () => {
  it('signs a JSON POST for a JSON service', async () => {
    const f = createSignedFetch({ credentials, region: 'eu-west-1', service: 'execute-api' })
    const res = await f(`${base}/prod/items?b=2&a=1`, {
      method: 'POST',
      body: JSON.stringify({ a: 'b+c' }),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    expect(seen[0]!.ok).toBe(true)
    expect(seen[0]!.headers['x-amz-security-token']).toBe(credentials.sessionToken)
  })

  it('signs S3 requests: unnormalised, singly encoded paths and x-amz-content-sha256', async () => {
    const f = createSignedFetch({ credentials, region: 'us-east-1', service: 's3' })
    const put = await f(`${base}/bucket/a%20key//with(parens)*.txt`, {
      method: 'PUT',
      body: new TextEncoder().encode('hello'),
    })
    expect(put.status).toBe(200)
    expect(seen[0]!.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/)
    const get = await f(new URL(`${base}/bucket/k?list-type=2&prefix=a%20b+c`))
    expect(get.status).toBe(200)
    expect(seen.every((s) => s.ok)).toBe(true)
    // The path went out in the strict form it was signed in.
    expect(seen[0]!.path).toBe('/bucket/a%20key//with%28parens%29%2A.txt')
  })

  it('streams with UNSIGNED-PAYLOAD and rejects a stream without it', async () => {
    const stream = () =>
      new ReadableStream({
        start: (c) => (c.enqueue(new TextEncoder().encode('streamed')), c.close()),
      })
    const f = createSignedFetch({
      credentials,
      region: 'us-east-1',
      service: 's3',
      unsignedPayload: true,
    })
    expect((await f(`${base}/bucket/s`, { method: 'PUT', body: stream() })).status).toBe(200)
    expect(seen[0]).toMatchObject({ body: 'streamed', ok: true })
    expect(seen[0]!.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
    const strict = createSignedFetch({ credentials, region: 'us-east-1', service: 's3' })
    await expect(
      strict(`${base}/bucket/s`, { method: 'PUT', body: stream() }),
    ).rejects.toBeInstanceOf(StsValidationError)
  })

  it('takes a Request and a provider, asking the provider before every attempt, and retries 503s re-signed', async () => {
    const provider = vi.fn(async () => credentials)
    const f = createSignedFetch({
      credentials: provider,
      region: 'us-east-1',
      service: 'sqs',
      retryDelayMs: 1,
    })
    failNext = 2
    const res = await f(
      new Request(`${base}/`, {
        method: 'POST',
        body: 'Action=ListQueues',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    )
    expect(res.status).toBe(200)
    expect(provider).toHaveBeenCalledTimes(3)
    expect(seen.map((s) => s.body)).toEqual([
      'Action=ListQueues',
      'Action=ListQueues',
      'Action=ListQueues',
    ])
    expect(seen.every((s) => s.ok)).toBe(true)
  })

  it('returns the last response once the attempts are used up, and a typed error for a dead endpoint', async () => {
    const f = createSignedFetch({
      credentials,
      region: 'us-east-1',
      service: 'sqs',
      retryDelayMs: 1,
      maxAttempts: 2,
    })
    failNext = 5
    expect((await f(`${base}/`)).status).toBe(503)
    expect(seen).toHaveLength(2)
    const dead = createSignedFetch({
      credentials,
      region: 'us-east-1',
      service: 'sqs',
      retryDelayMs: 1,
      maxAttempts: 2,
    })
    await expect(dead('http://127.0.0.1:1/')).rejects.toMatchObject({ code: 'NetworkError' })
  })

  it('stops when the signal aborts while the request is being signed', async () => {
    const ctl = new AbortController()
    const f = createSignedFetch({
      credentials: async () => {
        ctl.abort()
        return credentials
      },
      region: 'us-east-1',
      service: 'sqs',
    })
    await expect(f(`${base}/`, { signal: ctl.signal })).rejects.toMatchObject({
      code: 'AbortError',
    })
    expect(seen).toHaveLength(0)
  })

  it('stops on abort', async () => {
    const ctl = new AbortController()
    ctl.abort()
    const f = createSignedFetch({ credentials, region: 'us-east-1', service: 'sqs' })
    await expect(f(`${base}/`, { signal: ctl.signal })).rejects.toMatchObject({
      code: 'AbortError',
    })
  })

  it('times out an attempt that gets no response headers, and retries it', async () => {
    const hang = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        ),
    )
    const f = createSignedFetch({
      credentials,
      region: 'us-east-1',
      service: 'sqs',
      fetch: hang as unknown as typeof fetch,
      timeoutMs: 30,
      retryDelayMs: 1,
      maxAttempts: 2,
    })
    const t = Date.now()
    const err = await f('https://sqs.us-east-1.amazonaws.com/').catch((e) => e)
    expect(err).toMatchObject({ code: 'TimeoutError', retryable: true })
    expect(err.message).toBe(
      'no response headers from sqs.us-east-1.amazonaws.com within timeoutMs (30 ms) on attempt 2 of 2',
    )
    expect(hang).toHaveBeenCalledTimes(2)
    expect(Date.now() - t).toBeLessThan(2000)
  })

  it('bounds only the wait for the headers: a slow body is read whole, and the caller can abort it', async () => {
    const slow = createServer((_req, res) => {
      res.writeHead(200)
      res.write('a')
      setTimeout(() => res.end('b'), 120)
    })
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(slow.address() as { port: number }).port}/`
    try {
      const f = createSignedFetch({
        credentials,
        region: 'us-east-1',
        service: 'sqs',
        timeoutMs: 60,
      })
      expect(await (await f(url)).text()).toBe('ab')
      const ctl = new AbortController()
      const res = await f(url, { signal: ctl.signal })
      ctl.abort()
      await expect(res.text()).rejects.toThrow()
    } finally {
      await new Promise((r) => slow.close(r))
    }
  })

  it('checks its config when it is made', () => {
    const made = (config: object) => {
      try {
        createSignedFetch(config as never)
        return []
      } catch (e) {
        expect(e).toBeInstanceOf(StsValidationError)
        return (e as StsValidationError).issues.map((i) => i.message)
      }
    }
    expect(made({ credentials, region: 'us-east-1', service: 's3' })).toEqual([])
    expect(made({ credentials, service: 's3', timeout: 5, timeoutMs: '5000' })).toEqual([
      'timeoutMs: must be a number, not a string',
      'region: must be a non-empty string',
      'timeout: is not an option of config (did you mean timeoutMs?)',
    ])
    expect(made({ region: 'us-east-1', service: 's3' })).toEqual(['credentials: is required'])
    expect(
      made({
        credentials: { AccessKeyId: 'a', SecretAccessKey: 'b' },
        region: 'us-east-1',
        service: 's3',
      }),
    ).toEqual([
      'credentials: has the keys of STS Credentials (AccessKeyId, ...): convert with toIdentity()',
    ])
    expect(made({ credentials: {}, region: 'us-east-1', service: 's3' })).toEqual([
      'credentials.accessKeyId: must be a non-empty string',
      'credentials.secretAccessKey: must be a non-empty string',
    ])
  })

  it('says which host it could not reach, and why', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as { port: number }).port
    await new Promise((r) => probe.close(r))
    const f = createSignedFetch({
      credentials,
      region: 'us-east-1',
      service: 'sqs',
      maxAttempts: 1,
    })
    const err = await f(`http://127.0.0.1:${port}/`).catch((e) => e)
    expect(err).toMatchObject({ code: 'NetworkError' })
    expect(err.message).toBe(
      `could not reach 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    )
  })
})
