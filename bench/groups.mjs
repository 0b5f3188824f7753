// The signing and parsing contestants, web-standard only so the same module runs in Node, Deno, Bun
// and workerd (bench/run.mjs bundles it for the last three). Every contestant is checked before it is
// timed: signatures are recomputed by @smithy/signature-v4 with a pure-JS SHA-256 (an independent
// oracle) over the headers the contestant chose to sign, and parsed fields are compared with the
// expected fields of the AWS sample (read from the shared vectors by the host and passed in).
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { AwsV4Signer } from 'aws4fetch'
import { XMLParser } from 'fast-xml-parser'
import { AssumeRole, assumeRole, parseStsResponse, signRequest } from '../dist/index.js'

const subtle = crypto.subtle
const enc = new TextEncoder()
const dec = new TextDecoder()
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')

export const REGION = 'us-east-1'
export const URL_STS = 'https://sts.us-east-1.amazonaws.com/'
export const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
export const withToken = { ...credentials, sessionToken: 'FQoGZXIvYXdzE' + 'Ab0+/'.repeat(160) }
const DATE = new Date('2026-01-01T00:00:00Z')
const AMZ_DATE = '20260101T000000Z'

// A ≈400 B AssumeRole form body, as the query builder produces it.
export const stsBody =
  'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=bench-session&DurationSeconds=3600' +
  '&Tags.member.1.Key=team&Tags.member.1.Value=platform&Tags.member.2.Key=cost-center&Tags.member.2.Value=12345&ExternalId=a1b2c3d4e5f6' +
  '&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&SourceIdentity=bench-user&TransitiveTagKeys.member.1=team' +
  '&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fbench&TokenCode=123456'
const FORM = 'application/x-www-form-urlencoded; charset=utf-8'

// The floor: what any SigV4 signer on SubtleCrypto must do per request with a cached key.
let floorKey
/** Call once before timing (workerd allows no crypto work at module scope). */
export const init = async () => {
  floorKey = await subtle.importKey(
    'raw',
    enc.encode('k'.repeat(32)),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
}
export const floorSign = async (body) => {
  if (body) await subtle.digest('SHA-256', enc.encode(body))
  const creq = `POST\n/\n\ncontent-type:${FORM}\nhost:sts.us-east-1.amazonaws.com\nx-amz-date:${AMZ_DATE}\n\ncontent-type;host;x-amz-date\n${'e'.repeat(64)}`
  const h = await subtle.digest('SHA-256', enc.encode(creq))
  return subtle.sign(
    'HMAC',
    floorKey,
    enc.encode(`AWS4-HMAC-SHA256\n${AMZ_DATE}\n20260101/us-east-1/sts/aws4_request\n${hex(h)}`),
  )
}

// Sha256 on SubtleCrypto in smithy's Checksum shape: what the SDK uses in browsers and Workers.
export class WebCryptoSha256 {
  constructor(secret) {
    this.secret = secret
    this.chunks = []
  }
  update(data) {
    this.chunks.push(
      typeof data == 'string'
        ? enc.encode(data)
        : new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength),
    )
  }
  async digest() {
    const data = this.chunks.length == 1 ? this.chunks[0] : concat(this.chunks)
    if (!this.secret) return new Uint8Array(await subtle.digest('SHA-256', data))
    const raw = typeof this.secret == 'string' ? enc.encode(this.secret) : this.secret
    const key = await subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    return new Uint8Array(await subtle.sign('HMAC', key, data))
  }
  reset() {
    this.chunks = []
  }
}
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) out.set(p, (o += p.byteLength) - p.byteLength)
  return out
}

const smithyOptions = (c, sha256) => ({
  credentials: c,
  region: REGION,
  service: 'sts',
  sha256,
  uriEscapePath: true,
  applyChecksum: false,
})

/** Recomputes a signed request's signature with the oracle over its own SignedHeaders; throws on mismatch. */
export const verifySignature = async ({ method, url, headers, body }, creds) => {
  const h =
    headers instanceof Headers
      ? Object.fromEntries(headers)
      : Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      h.authorization ?? '',
    )
  if (!m) throw new Error(`no SigV4 authorization header: ${h.authorization}`)
  const u = new URL(url)
  const signed = {}
  for (const name of m[5].split(';'))
    if (name != 'x-amz-date' && name != 'x-amz-security-token')
      signed[name] = name == 'host' ? u.host : h[name]
  const theirs = await new SignatureV4(smithyOptions(creds, Sha256)).sign(
    {
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: signed,
      body,
    },
    {
      signingDate: new Date(
        Date.UTC(
          +h['x-amz-date'].slice(0, 4),
          +h['x-amz-date'].slice(4, 6) - 1,
          +h['x-amz-date'].slice(6, 8),
          +h['x-amz-date'].slice(9, 11),
          +h['x-amz-date'].slice(11, 13),
          +h['x-amz-date'].slice(13, 15),
        ),
      ),
    },
  )
  const expected = /Signature=([0-9a-f]{64})/.exec(theirs.headers.authorization)[1]
  const theirHeaders = /SignedHeaders=([^,]+)/.exec(theirs.headers.authorization)[1]
  if (expected !== m[6] || theirHeaders !== m[5])
    throw new Error(`signature differs from the oracle (${m[5]} vs ${theirHeaders})`)
}

/** The signing group: an AssumeRole POST with and without a session token, and a GET with an empty body. */
export const signingGroups = () => {
  const cache = new Map()
  const groups = {}
  for (const [label, creds, method, body] of [
    ['POST AssumeRole (≈400 B body)', credentials, 'POST', stsBody],
    ['POST AssumeRole + session token', withToken, 'POST', stsBody],
    ['GET, empty body', credentials, 'GET', undefined],
  ]) {
    const url = method == 'GET' ? `${URL_STS}?Action=GetCallerIdentity&Version=2011-06-15` : URL_STS
    const headers = method == 'GET' ? {} : { 'content-type': FORM }
    const request = { method, url, headers, body }
    const smithyWebCrypto = new SignatureV4(smithyOptions(creds, WebCryptoSha256))
    const u = new URL(url)
    const smithyRequest = () => ({
      method,
      protocol: 'https:',
      hostname: u.hostname,
      path: '/',
      query: Object.fromEntries(u.searchParams),
      headers: { host: u.host, ...headers },
      body,
    })
    const fromSmithy = (s) => ({ method, url, headers: s.headers, body })
    groups[label] = {
      creds,
      contestants: [
        { name: 'floor (digest + digest + HMAC)', kind: 'floor', run: () => floorSign(body) },
        {
          name: 'edge-sts signRequest',
          kind: 'edge',
          run: () => signRequest(request, { credentials: creds, region: REGION, service: 'sts' }),
          check: () =>
            signRequest(request, {
              credentials: creds,
              region: REGION,
              service: 'sts',
              date: DATE,
            }),
        },
        {
          name: 'aws4fetch AwsV4Signer',
          kind: 'peer',
          run: () =>
            new AwsV4Signer({ ...request, ...creds, region: REGION, service: 'sts', cache }).sign(),
          check: async () => {
            const s = await new AwsV4Signer({
              ...request,
              ...creds,
              region: REGION,
              service: 'sts',
              cache,
              datetime: AMZ_DATE,
            }).sign()
            return { method, url: String(s.url), headers: s.headers, body }
          },
        },
        {
          name: '@smithy/signature-v4 + WebCrypto SHA-256',
          kind: 'peer',
          run: () => smithyWebCrypto.sign(smithyRequest()),
          check: async () =>
            fromSmithy(await smithyWebCrypto.sign(smithyRequest(), { signingDate: DATE })),
        },
      ],
    }
    for (const c of groups[label].contestants)
      if (c.check) c.verify = async () => verifySignature(await c.check(), creds)
  }
  return groups
}

const FIELDS = ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']
const norm = (f) => ({
  ...f,
  SessionToken: String(f.SessionToken).replace(/\s+/g, ''),
  SecretAccessKey: String(f.SecretAccessKey).trim(),
  Expiration: +new Date(f.Expiration),
})
/** Throws unless `got` carries the expected credential fields (whitespace inside the token is presentation). */
export const verifyFields = (got, expected) => {
  const a = norm(got)
  const b = norm(expected)
  for (const k of FIELDS)
    if (a[k] !== b[k] || a[k] == null || Number.isNaN(a[k]))
      throw new Error(`${k} differs: ${a[k]} vs ${b[k]}`)
}

const split = (bytes, n) =>
  Array.from({ length: n }, (_, i) =>
    bytes.subarray(Math.floor((i * bytes.length) / n), Math.floor(((i + 1) * bytes.length) / n)),
  )
const streamOf = (chunks) =>
  new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x)
      c.close()
    },
  })
// One global-regex pass picking the four credential fields, in whatever order they come.
const ONE_REGEX = /<(AccessKeyId|SecretAccessKey|SessionToken|Expiration)>([^<]*)</g
export const regexFields = (text) => {
  const f = {}
  for (const m of text.matchAll(ONE_REGEX)) f[m[1]] ??= m[2]
  return f
}
const xmlParser = new XMLParser({ parseTagValue: false })
export const fxpFields = (text) =>
  xmlParser.parse(text).AssumeRoleResponse.AssumeRoleResult.Credentials

/**
 * The parsing groups. `docs` is { xml, expected } for each document, where `expected` holds the four
 * credential fields. `extra` adds contestants (the SDK deserializer, from the Node host).
 */
export const parsingGroups = (docs, extra = () => []) => {
  const groups = {}
  for (const [label, { xml, expected }] of Object.entries(docs)) {
    const bytes = enc.encode(xml)
    const chunks = split(bytes, 4)
    const edge = (o) => o.Credentials
    groups[label] = {
      contestants: [
        {
          name: 'floor (TextDecoder.decode + one indexOf)',
          kind: 'floor',
          run: async () => dec.decode(bytes).indexOf('</AssumeRoleResponse>'),
        },
        {
          name: 'edge-sts from bytes',
          kind: 'edge',
          run: async () => edge(await parseStsResponse(AssumeRole, bytes)),
        },
        {
          name: 'edge-sts from a string',
          kind: 'edge',
          run: async () => edge(await parseStsResponse(AssumeRole, xml)),
        },
        {
          name: 'edge-sts from a 1-chunk ReadableStream',
          kind: 'edge',
          run: async () => edge(await parseStsResponse(AssumeRole, streamOf([bytes]))),
        },
        {
          name: 'edge-sts from a 4-chunk ReadableStream',
          kind: 'edge',
          run: async () => edge(await parseStsResponse(AssumeRole, streamOf(chunks))),
        },
        {
          name: 'Response(1-chunk stream).text() + edge-sts',
          kind: 'reference',
          run: async () =>
            edge(await parseStsResponse(AssumeRole, await new Response(streamOf([bytes])).text())),
        },
        {
          name: 'Response(4-chunk stream).text() + edge-sts',
          kind: 'reference',
          run: async () =>
            edge(await parseStsResponse(AssumeRole, await new Response(streamOf(chunks)).text())),
        },
        {
          name: 'Response(stream).text() + one regex (not streaming)',
          kind: 'reference',
          run: async () => regexFields(await new Response(streamOf(chunks)).text()),
        },
        { name: 'fast-xml-parser', kind: 'peer', run: async () => fxpFields(xml) },
        ...extra(bytes),
      ],
    }
    for (const c of groups[label].contestants)
      if (c.kind != 'floor') c.verify = async () => verifyFields(await c.run(), expected)
  }
  return groups
}

/** An AssumeRole input with every kind of parameter (the ≈400 B body of the signing group). */
export const callInput = {
  RoleArn: 'arn:aws:iam::123456789012:role/demo',
  RoleSessionName: 'bench-session',
  DurationSeconds: 3600,
  Tags: [
    { Key: 'team', Value: 'platform' },
    { Key: 'cost-center', Value: '12345' },
  ],
  ExternalId: 'a1b2c3d4e5f6',
  PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
  SourceIdentity: 'bench-user',
  TransitiveTagKeys: ['team'],
  SerialNumber: 'arn:aws:iam::123456789012:mfa/bench',
  TokenCode: '123456',
}

/**
 * The whole call, CPU only: `assumeRole` with a `fetch` answered in-process by the real-size response,
 * against the floor (floor signing, the same stub response, one regex). `doc` is { xml, expected }.
 */
export const callGroup = ({ xml, expected }) => {
  const bytes = enc.encode(xml)
  const reply = () =>
    new Response(bytes, {
      status: 200,
      headers: {
        'content-type': 'text/xml',
        // As STS sends it: the body's length.
        'content-length': String(bytes.length),
        'x-amzn-requestid': 'c6104cbe-af31-11e0-8154-cbc7ccf896c7',
      },
    })
  const state = {}
  const stubFetch = async (url, init) => {
    state.seen = { url: String(url), ...init }
    return reply()
  }
  const contestants = [
    {
      name: 'floor (floor signing + stub + one regex)',
      kind: 'floor',
      run: async () => {
        await floorSign(stsBody)
        return regexFields(await reply().text())
      },
    },
    {
      name: 'edge-sts assumeRole',
      kind: 'edge',
      run: async () =>
        (await assumeRole(callInput, { credentials, region: REGION, fetch: stubFetch }))
          .Credentials,
    },
  ]
  contestants[1].verify = async () => {
    verifyFields(await contestants[1].run(), expected)
    await verifySignature(state.seen, credentials)
    if (state.seen.body != stsBody) throw new Error('edge-sts assumeRole sent another body')
  }
  return { 'AssumeRole, real-size response': { contestants, stubFetch, reply, state } }
}
