// Differential test: generated requests signed by this signer and by AWS's own @smithy/signature-v4
// (the oracle) must carry identical signatures. Count: SIGV4_DIFF_CASES (default 2000).
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { expect, it } from 'vitest'
import { signForm, signRequest, presignUrl } from '../src/sigv4.ts'

const CASES = Number(process.env.SIGV4_DIFF_CASES ?? 2000)
// About 1 ms a case here; room for a slower, busier machine.
const TIME_LIMIT = Math.max(30_000, CASES * 10)

// mulberry32: a seeded PRNG so that a failing case can be reproduced from its index.
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const ALPHABET = [...'abcXYZ019-_.~ !$&\'()*+,;=:@/%?#[]"<>^`{|}éß中😀\u1234']
const strictEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())

const gen = (seed: number) => {
  const r = rng(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!
  const str = (max: number, alphabet = ALPHABET) =>
    Array.from({ length: Math.floor(r() * max) }, () => pick(alphabet)).join('')
  const token = () =>
    Array.from({ length: 1 + Math.floor(r() * 8) }, () => pick([...'abcdefXYZ0189-'])).join('')
  const service = pick(['sts', 'execute-api', 's3', 'es', 'lambda'])
  const s3 = service === 's3'
  // Path: S3 paths arrive strictly encoded (as SDKs send object keys); other services get raw
  // characters that URL parsing encodes, plus empty segments to normalise.
  const segs = Array.from({ length: Math.floor(r() * 4) }, () =>
    r() < 0.15 ? '' : str(6).replace(/[/?#%\\]/g, 'p'),
  )
  const path = '/' + segs.map((s) => (s3 ? strictEncode(s) : s)).join('/') + (r() < 0.3 ? '/' : '')
  const query: [string, string][] = []
  for (let i = Math.floor(r() * 5); i-- > 0;) {
    const k = r() < 0.2 && query.length ? query[0]![0] : str(5).replace(/[#&=]/g, 'q') || 'k'
    query.push([k, r() < 0.2 ? '' : str(6).replace(/#/g, 'h')])
  }
  const headers: [string, string][] = []
  for (let i = Math.floor(r() * 4); i-- > 0;) {
    const name = r() < 0.3 && headers.length ? headers[0]![0].toUpperCase() : 'x-' + token()
    headers.push([name, token() + (r() < 0.3 ? '  \t ' + token() : '')])
  }
  if (r() < 0.3) headers.push(['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'])
  const bodyText = r() < 0.4 ? '' : str(40)
  const body = r() < 0.5 ? bodyText : new TextEncoder().encode(bodyText)
  const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'])
  const host = pick(['example.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'localhost:8443'])
  const qs = query.map(([k, v]) => `${strictEncode(k)}=${strictEncode(v)}`).join('&')
  const credentials = {
    accessKeyId: 'AKID' + token().toUpperCase(),
    secretAccessKey: 'secret/' + token() + '+' + seed,
    sessionToken: r() < 0.5 ? 'tok+/=' + token() + (r() < 0.2 ? '\n' : '') : undefined,
  }
  return {
    request: { method, url: `https://${host}${path}${qs ? '?' + qs : ''}`, headers, body },
    query,
    options: {
      credentials,
      region: pick(['us-east-1', 'eu-west-1', 'cn-north-1']),
      service,
      date: new Date(1.4e12 + Math.floor(r() * 3e11)),
    },
  }
}

// The same request as smithy's HttpRequest: wire path, decoded query (repeated keys as arrays),
// headers combined case-insensitively with "," in order (the SigV4 rule for repeated headers).
const toSmithy = (g: ReturnType<typeof gen>) => {
  const url = new URL(g.request.url)
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of g.query) query[k] = k in query ? [query[k]!].flat().concat(v) : v
  const headers: Record<string, string> = { host: url.host }
  for (const [n, v] of g.request.headers) {
    const l = n.toLowerCase()
    headers[l] = l in headers ? `${headers[l]},${v.trim()}` : v.trim()
  }
  return {
    method: g.request.method,
    protocol: 'https:',
    hostname: url.hostname,
    port: url.port ? +url.port : undefined,
    path: url.pathname,
    query,
    headers,
    body: g.request.body,
  }
}

const oracle = (g: ReturnType<typeof gen>) =>
  new SignatureV4({
    credentials: g.options.credentials,
    region: g.options.region,
    service: g.options.service,
    sha256: Sha256,
    uriEscapePath: g.options.service !== 's3',
    applyChecksum: false,
  })

it(
  `matches @smithy/signature-v4 on ${CASES} generated requests (header mode)`,
  async () => {
    let withToken = 0
    for (let i = 0; i < CASES; i++) {
      const g = gen(i)
      const mine = await signRequest(g.request, { ...g.options, contentSha256: false })
      const theirs = (await oracle(g).sign(toSmithy(g) as any, {
        signingDate: g.options.date,
      })) as unknown as { headers: Record<string, string> }
      const sig = (s: string) => /Signature=(\w+)/.exec(s)![1]
      if (sig(mine.headers.authorization!) !== sig(theirs.headers.authorization as string)) {
        expect({ case: i, request: g.request, mine: mine.headers.authorization }).toEqual({
          case: i,
          request: g.request,
          mine: theirs.headers.authorization,
        })
      }
      if (g.options.credentials.sessionToken) withToken++
    }
    expect(withToken).toBeGreaterThan(CASES / 4)
  },
  TIME_LIMIT,
)

it(
  `matches @smithy/signature-v4 on ${Math.ceil(CASES / 4)} generated presigned URLs (query mode)`,
  async () => {
    for (let i = 0; i < CASES / 4; i++) {
      const g = gen(100000 + i)
      const mine = new URL(await presignUrl(g.request, { ...g.options, expiresIn: 900 }))
      const theirs = await oracle(g).presign(toSmithy(g) as any, {
        signingDate: g.options.date,
        expiresIn: 900,
      })
      expect([i, mine.searchParams.get('X-Amz-Signature')]).toEqual([
        i,
        theirs.query!['X-Amz-Signature'],
      ])
    }
  },
  TIME_LIMIT,
)

it(
  `signForm (the STS client's POST) matches @smithy/signature-v4 on ${Math.ceil(CASES / 4)} generated endpoints and bodies`,
  async () => {
    for (let i = 0; i < CASES / 4; i++) {
      const g = gen(200000 + i)
      const r = rng(300000 + i)
      const url = new URL(g.request.url)
      url.search = ''
      // STS Query-protocol bodies: the form encoding of generated text; tokens as read from a file.
      const body = `Action=AssumeRole&Version=2011-06-15&RoleSessionName=${strictEncode(String(g.request.body && typeof g.request.body == 'string' ? g.request.body : 'x'))}`
      const token = g.options.credentials.sessionToken
      const credentials = {
        ...g.options.credentials,
        sessionToken: token && r() < 0.3 ? token + '\n' : token,
      }
      const mine = await signForm(url, body, credentials, g.options.region, +g.options.date)
      const headers: Record<string, string> = {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      }
      const theirs = (await new SignatureV4({
        credentials: g.options.credentials,
        region: g.options.region,
        service: 'sts',
        sha256: Sha256,
        applyChecksum: false,
      }).sign(
        {
          method: 'POST',
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? +url.port : undefined,
          path: url.pathname,
          query: {},
          headers,
          body,
        } as any,
        { signingDate: g.options.date },
      )) as unknown as { headers: Record<string, string> }
      expect([i, mine.authorization]).toEqual([i, theirs.headers.authorization])
      // What fetch will send: every signed header, with the token's surrounding whitespace gone.
      expect([i, mine['x-amz-security-token']]).toEqual([i, token?.trim()])
      expect([i, mine['x-amz-date']]).toEqual([i, theirs.headers['x-amz-date']])
    }
  },
  TIME_LIMIT,
)
