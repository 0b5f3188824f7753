import { EdgeStsError, invalid } from './errors.ts'
import { hex, uriEncode, utf8 } from './encode.ts'

/** AWS credentials, as the AWS SDK v3 `AwsCredentialIdentity` names them. */
export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Request headers: a `Headers`, a record, or name/value pairs (repeated names allowed). */
export type HeaderList = Headers | Record<string, string> | [string, string][]

/** A request body the signer can hash. */
export type SignableBody = string | Uint8Array

/** A request to sign. `url` is what `fetch` will be given: its path and query are the wire form. */
export interface SignableRequest<B extends SignableBody = never> {
  method?: string
  url: string | URL
  headers?: HeaderList
  body?: B
}

/** The signed request, ready for `fetch(signed.url, signed)`; `body` is the request's own. */
export interface SignedRequest<B extends SignableBody = never> {
  method: string
  url: string
  /** Lower-case names; `authorization`, `x-amz-date` and, with a session token, `x-amz-security-token` added. */
  headers: Record<string, string>
  body?: B
}

export interface SignOptions {
  credentials: Credentials
  /** Signing region, e.g. `us-east-1`. */
  region: string
  /** Signing service name, e.g. `sts`, `s3`, `execute-api`. */
  service: string
  /** Signing time (default: now). */
  date?: Date | number | string
  /** Remove empty path segments before signing (default: true, false for `s3`). Dot segments are already resolved by URL parsing. */
  normalizePath?: boolean
  /** Encode the (already encoded) URL path once more, as every service but S3 expects (default: true, false for `s3`). */
  doubleEncode?: boolean
  /** Sign `UNSIGNED-PAYLOAD` instead of the body hash (for streaming S3 uploads). */
  unsignedPayload?: boolean
  /** Send the payload hash as `x-amz-content-sha256` and sign it (default: true for `s3`). */
  contentSha256?: boolean
  /** Add the session token after signing, unsigned (AWS IoT and the suite's `post-sts-header-after`). */
  appendSessionToken?: boolean
}

export interface PresignOptions extends SignOptions {
  /** Seconds the URL stays valid: 1 to 604800 (7 days). Default 3600. */
  expiresIn?: number
}

const ALGORITHM = 'AWS4-HMAC-SHA256'
// Hop-by-hop and proxy-rewritten headers: signing them breaks requests that pass a proxy.
const UNSIGNED =
  /^(authorization|connection|expect|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade|user-agent|x-amzn-trace-id)$/
const HMAC = { name: 'HMAC', hash: 'SHA-256' }
/** @internal The content type of every STS Query-protocol request. */
export const FORM = 'application/x-www-form-urlencoded; charset=utf-8'

/** @internal Everything a signature is computed from; exported for the test suite. */
export interface Canonical {
  method: string
  url: URL
  headers: Map<string, string>
  signedHeaders: string
  canonicalRequest: string
  payloadHash: string
  amzDate: string
  scope: string
}

const subtle = (): SubtleCrypto =>
  globalThis.crypto?.subtle ??
  (() => {
    throw new EdgeStsError('CryptoUnavailable', 'crypto.subtle is missing: SigV4 needs WebCrypto')
  })()

const importKey = (raw: BufferSource) => subtle().importKey('raw', raw, HMAC, false, ['sign'])
const hmac = async (key: CryptoKey, data: string) => subtle().sign('HMAC', key, utf8.encode(data))

/** @internal SHA-256 of a body as lower-case hex. */
export const sha256Hex = async (body: SignableBody = ''): Promise<string> =>
  hex(
    await subtle().digest(
      'SHA-256',
      typeof body == 'string' ? utf8.encode(body) : (body as BufferSource),
    ),
  )

// Hashed once, not written out: 64 hex digits cost more bundle bytes than one digest per process.
let emptyHash: string | undefined
let seed = 0
let lastSecond = NaN
let amz = ''

// Signing keys: the derived key is imported once as a non-extractable CryptoKey and kept per
// (secret fingerprint, access key, day, region, service), 64 at most. The raw secret is never a key:
// the fingerprint is two seeded 32-bit multiplicative hashes, cheap (no SubtleCrypto round trip) and,
// with a random per-process seed and the access key id beside it, not targetable from outside.
const keys = new Map<string, Promise<CryptoKey>>()
const signingKey = (c: Credentials, scope: string): Promise<CryptoKey> => {
  const s = c.secretAccessKey
  let a = (seed ||= crypto.getRandomValues(new Uint32Array(1))[0]! | 1)
  let b = ~a
  for (let i = 0; i < s.length; i++)
    ((a = Math.imul(a ^ s.charCodeAt(i), 0x9e3779b1)),
      (b = Math.imul(b ^ s.charCodeAt(i), 0x85ebca77)))
  const id = `${a >>> 0}.${b >>> 0}.${s.length}/${c.accessKeyId}/${scope}`
  let key = keys.get(id)
  if (!key) {
    if (keys.size > 63) keys.delete(keys.keys().next().value!)
    keys.set(
      id,
      (key = (async () => {
        let k: BufferSource = utf8.encode('AWS4' + s)
        for (const part of scope.split('/')) k = await hmac(await importKey(k), part)
        return importKey(k)
      })()),
    )
    // A failed derivation must not stick in the cache.
    key.catch(() => keys.delete(id))
  }
  return key
}

const need = (param: string, v: unknown, bad?: RegExp) =>
  (!v || typeof v != 'string' || bad?.test(v)) &&
  invalid(param, 'required', 'must be a non-empty string' + (bad ? ' without "/" or spaces' : ''))

// The query as AWS decodes it: split on & and =, percent-decode (a literal `+` stays `+`).
const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

// Formatting a date costs more than the rest of the request line; most signatures share a second.
const stamp = (time: number) => {
  if (time - (time % 1000) != lastSecond)
    amz = new Date((lastSecond = time - (time % 1000))).toISOString().replace(/[:-]|\.\d+/g, '')
  return amz
}

// The URL path is already percent-encoded once (the wire form). Services other than S3 sign it
// encoded a second time. S3 signs it encoded once, strictly; the URL sent then carries that same
// strict form (URL parsing leaves `!'()*$,;:@` raw), so that the signature holds whether the server
// reads the path as sent or decodes and re-encodes it.
const pathOf = (url: URL, normalize: boolean, double: boolean) => {
  let path = url.pathname
  if (normalize) path = path.replace(/\/+/g, '/')
  if (/[^\w.~/-]/.test(path))
    path = path
      .split('/')
      .map((seg) => uriEncode(double ? seg : decode(seg)))
      .join('/')
  if (!double) url.pathname = path
  return path
}

type Presign = (
  raw: string[],
  amzDate: string,
  scope: string,
  signedHeaders: string,
  token?: string,
) => string[]

/** @internal Builds the canonical request (SigV4 "Task 1"); exported for the test suite. */
export const canonicalize = async (
  request: SignableRequest<SignableBody>,
  o: SignOptions,
  presign?: Presign,
): Promise<Canonical> => {
  const c = o.credentials
  const { region, service } = o
  need('credentials.accessKeyId', c?.accessKeyId)
  need('credentials.secretAccessKey', c?.secretAccessKey)
  need('region', region, /[\s/]/)
  need('service', service, /[\s/]/)
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    return invalid('url', 'url', 'must be an absolute URL')
  }
  url.hash &&= ''
  const time = o.date === undefined ? Date.now() : +new Date(o.date)
  if (isNaN(time)) invalid('date', 'date', 'must be a valid date')
  const amzDate = stamp(time)
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`
  const s3 = service == 's3'
  const method = (request.method ?? 'GET').toUpperCase()

  const headers = new Map<string, string>()
  const h = request.headers ?? []
  for (const [name, value] of Symbol.iterator in h
    ? (h as Iterable<[string, string]>)
    : Object.entries(h)) {
    const n = name.toLowerCase()
    // Trimmed, whitespace runs (and obsolete line folds) as one space; repeated headers comma-joined in order.
    const v = String(value).trim().replace(/\s+/g, ' ')
    headers.set(n, headers.has(n) ? headers.get(n) + ',' + v : v)
  }
  headers.delete('authorization')
  if (!headers.has('host')) headers.set('host', url.host)
  const token = o.appendSessionToken ? undefined : c.sessionToken
  if (!presign) {
    headers.set('x-amz-date', amzDate)
    // Trimmed, as every header value is signed and as fetch sends it (a token read from a file ends in a newline).
    if (token) headers.set('x-amz-security-token', token.trim())
  }
  const body = request.body
  const payloadHash =
    headers.get('x-amz-content-sha256') ??
    (o.unsignedPayload
      ? 'UNSIGNED-PAYLOAD'
      : body?.length
        ? await sha256Hex(body)
        : (emptyHash ??= await sha256Hex()))
  if (!presign && (o.contentSha256 ?? s3)) headers.set('x-amz-content-sha256', payloadHash)

  const names = [...headers.keys()].filter((n) => !UNSIGNED.test(n)).sort()
  const signedHeaders = names.join(';')
  let raw = url.search.slice(1).split('&').filter(Boolean)
  if (presign) url.search = (raw = presign(raw, amzDate, scope, signedHeaders, token)).join('&')

  const canonicalRequest = [
    method,
    pathOf(url, o.normalizePath ?? !s3, o.doubleEncode ?? !s3),
    // Sorted by encoded key, then value: joined by NUL, which sorts below every encoded character.
    raw
      .map(
        (p, i) => (
          (i = p.indexOf('=')),
          uriEncode(decode(i < 0 ? p : p.slice(0, i))) +
            '\0' +
            (i < 0 ? '' : uriEncode(decode(p.slice(i + 1))))
        ),
      )
      .sort()
      .join('&')
      .replace(/\0/g, '='),
    names.map((n) => `${n}:${headers.get(n)}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n')
  return { method, url, headers, signedHeaders, canonicalRequest, payloadHash, amzDate, scope }
}

type ToSign = Pick<Canonical, 'amzDate' | 'scope' | 'canonicalRequest' | 'signedHeaders'>

/** @internal SigV4 "Task 2": the string to sign. */
export const stringToSign = async (k: ToSign): Promise<string> =>
  `${ALGORITHM}\n${k.amzDate}\n${k.scope}\n${await sha256Hex(k.canonicalRequest)}`

const signature = async (k: ToSign, c: Credentials) =>
  hex(await hmac(await signingKey(c, k.scope), await stringToSign(k)))

const authorization = async (k: ToSign, c: Credentials) =>
  `${ALGORITHM} Credential=${c.accessKeyId}/${k.scope}, SignedHeaders=${k.signedHeaders}, Signature=${await signature(k, c)}`

/**
 * @internal Signs an STS Query-protocol POST without the general canonicalisation: its headers are
 * fixed and already in order, its endpoint URL has no query, and its body is never empty. The same
 * bytes as {@link signRequest} with these headers (the test suite checks), in fewer bundle bytes.
 */
export const signForm = async (
  url: URL,
  body: string,
  c: Credentials,
  region: string,
  time: number,
): Promise<Record<string, string>> => {
  need('credentials.accessKeyId', c?.accessKeyId)
  need('credentials.secretAccessKey', c?.secretAccessKey)
  const amzDate = stamp(time)
  const scope = `${amzDate.slice(0, 8)}/${region}/sts/aws4_request`
  const headers: Record<string, string> = {
    'content-type': FORM,
    host: url.host,
    'x-amz-date': amzDate,
  }
  // fetch strips a token's surrounding whitespace (a token read from a file ends in a newline).
  if (c.sessionToken) headers['x-amz-security-token'] = c.sessionToken.trim()
  const signedHeaders = Object.keys(headers).join(';')
  const canonicalRequest = `POST\n${pathOf(url, true, true)}\n\n${Object.entries(headers)
    .map(([n, v]) => `${n}:${v}\n`)
    .join('')}\n${signedHeaders}\n${await sha256Hex(body)}`
  headers.authorization = await authorization(
    { amzDate, scope, canonicalRequest, signedHeaders },
    c,
  )
  return headers
}

/**
 * Signs a request with AWS Signature Version 4 in the `Authorization` header.
 *
 * @example
 * const signed = await signRequest(
 *   { method: 'POST', url: 'https://sts.us-east-1.amazonaws.com/', body: 'Action=GetCallerIdentity&Version=2011-06-15',
 *     headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } },
 *   { credentials, region: 'us-east-1', service: 'sts' })
 * const res = await fetch(signed.url, signed)
 */
export const signRequest = async <B extends SignableBody = never>(
  request: SignableRequest<B>,
  options: SignOptions,
): Promise<SignedRequest<B>> => {
  const k = await canonicalize(request, options)
  const c = options.credentials
  const headers = Object.fromEntries(k.headers)
  headers.authorization = await authorization(k, c)
  if (options.appendSessionToken && c.sessionToken) headers['x-amz-security-token'] = c.sessionToken
  return { method: k.method, url: k.url.href, headers, body: request.body }
}

/**
 * Signs a request in its query string (a presigned URL): `X-Amz-Algorithm`, `X-Amz-Credential`,
 * `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, the session token (signed, unless
 * `appendSessionToken`) and `X-Amz-Signature`.
 */
export const presignUrl = async (
  request: SignableRequest<SignableBody>,
  options: PresignOptions,
): Promise<string> => {
  const e = options.expiresIn ?? 3600
  if (!Number.isInteger(e) || e < 1 || e > 604800)
    invalid('expiresIn', 'range', 'must be an integer from 1 to 604800 seconds (7 days)')
  const c = options.credentials
  const k = await canonicalize(request, options, presignQuery(c, e))
  const extra =
    options.appendSessionToken && c.sessionToken
      ? `&X-Amz-Security-Token=${uriEncode(c.sessionToken)}`
      : ''
  return `${k.url.href}${extra}&X-Amz-Signature=${await signature(k, c)}`
}

/** @internal The query-string part of presigning, for {@link canonicalize}. */
export const presignQuery =
  (c: Credentials, expiresIn: number): Presign =>
  (raw, amzDate, scope, signedHeaders, token) => {
    const q: Record<string, string | undefined> = {
      'X-Amz-Algorithm': ALGORITHM,
      'X-Amz-Credential': `${c.accessKeyId}/${scope}`,
      'X-Amz-Date': amzDate,
      'X-Amz-Expires': String(expiresIn),
      'X-Amz-SignedHeaders': signedHeaders,
      'X-Amz-Security-Token': token,
    }
    // Stale X-Amz-* parameters of the URL are replaced, not signed twice.
    return raw
      .filter((p) => !(decode(p.split('=')[0]!) in q))
      .concat(Object.entries(q).flatMap(([k, v]) => (v ? `${k}=${uriEncode(v)}` : [])))
  }
