import { EdgeStsError, invalid } from './errors.ts'
import { hex, uriEncode, utf8 } from './encode.ts'

/** AWS credentials, as the AWS SDK v3 `AwsCredentialIdentity` names them. */
export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
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
const UNSIGNED_HEADERS =
  /^(authorization|connection|expect|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade|user-agent|x-amzn-trace-id)$/
const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' }
/** @internal The content type of every STS Query-protocol request. */
export const FORM = 'application/x-www-form-urlencoded; charset=utf-8'

/** @internal Everything a signature is computed from; exported for the test suite. */
export interface Canonical {
  method: string
  /** The URL to send (its fragment removed; for S3 its path strictly encoded; presigned: the query). */
  url: string
  headers: Map<string, string>
  signedHeaders: string
  canonicalRequest: string
  payloadHash: string
  amzDate: string
  scope: string
}

// ---- SubtleCrypto ------------------------------------------------------------------------------

// Looked up once: on workerd each `crypto.subtle` read is a call into the runtime (≈0.4 µs).
let subtleCrypto: SubtleCrypto | undefined
const subtle = (): SubtleCrypto => {
  subtleCrypto ??= globalThis.crypto?.subtle
  if (!subtleCrypto)
    throw new EdgeStsError(
      'CryptoUnavailable',
      'crypto.subtle is missing: SigV4 needs WebCrypto, which browsers offer in secure contexts only (https: or localhost)',
    )
  return subtleCrypto
}

const importHmacKey = (raw: BufferSource) =>
  subtle().importKey('raw', raw, HMAC_SHA256, false, ['sign'])

const hmac = (key: CryptoKey, data: string) => subtle().sign('HMAC', key, utf8.encode(data))

/** @internal SHA-256 of a body as lower-case hex. */
export const sha256Hex = async (body: SignableBody = ''): Promise<string> => {
  const bytes = typeof body == 'string' ? utf8.encode(body) : (body as BufferSource)
  return hex(await subtle().digest('SHA-256', bytes))
}

// Hashed once, not written out: 64 hex digits cost more bundle bytes than one digest per process.
let emptyBodyHash: string | undefined
const hashOfEmptyBody = async (): Promise<string> => {
  emptyBodyHash ??= await sha256Hex()
  return emptyBodyHash
}

// ---- signing keys ------------------------------------------------------------------------------

// Signing keys: the derived key is imported once as a non-extractable CryptoKey and kept per
// (secret fingerprint, access key, day, region, service), 64 at most. The raw secret is never a key:
// the fingerprint is two seeded 32-bit multiplicative hashes, cheap (no SubtleCrypto round trip) and,
// with a random per-process seed and the access key id beside it, not targetable from outside.
const signingKeys = new Map<string, Promise<CryptoKey>>()
let fingerprintSeed = 0

const fingerprintOf = (secret: string): string => {
  if (fingerprintSeed == 0) fingerprintSeed = crypto.getRandomValues(new Uint32Array(1))[0]! | 1
  let hash1 = fingerprintSeed
  let hash2 = ~fingerprintSeed
  for (let i = 0; i < secret.length; i++) {
    const code = secret.charCodeAt(i)
    hash1 = Math.imul(hash1 ^ code, 0x9e3779b1)
    hash2 = Math.imul(hash2 ^ code, 0x85ebca77)
  }
  return `${hash1 >>> 0}.${hash2 >>> 0}.${secret.length}`
}

const signingKey = (credentials: Credentials, scope: string): Promise<CryptoKey> => {
  const secret = credentials.secretAccessKey
  const id = `${fingerprintOf(secret)}/${credentials.accessKeyId}/${scope}`
  const cached = signingKeys.get(id)
  if (cached) return cached
  if (signingKeys.size >= 64) signingKeys.delete(signingKeys.keys().next().value!)
  const key = deriveSigningKey(secret, scope)
  signingKeys.set(id, key)
  // A failed derivation must not stick in the cache.
  key.catch(() => signingKeys.delete(id))
  return key
}

/** kSecret → kDate → kRegion → kService → kSigning: each an HMAC keyed by the one before. */
const deriveSigningKey = async (secret: string, scope: string): Promise<CryptoKey> => {
  let key: BufferSource = utf8.encode('AWS4' + secret)
  for (const part of scope.split('/')) key = await hmac(await importHmacKey(key), part)
  return importHmacKey(key)
}

// ---- checks ------------------------------------------------------------------------------------

/** @internal The likely mistake named for credentials with STS's PascalCase keys. */
export const STS_SHAPED_CREDENTIALS =
  'has the keys of STS Credentials (AccessKeyId, ...): convert with toIdentity()'

/**
 * Credentials given to the signer. The two likely mistakes are named: STS's own `Credentials`
 * (PascalCase, as `assumeRole` returns them) and a provider function (what `createSignedFetch` takes).
 */
function assertCredentials(credentials: unknown): asserts credentials is Credentials {
  if (typeof credentials == 'function')
    throw invalid(
      'credentials',
      'type',
      'is a function: pass the credentials it returns, or use createSignedFetch, which takes a provider',
    )
  if (
    credentials &&
    typeof credentials == 'object' &&
    !Object.hasOwn(credentials, 'accessKeyId') &&
    Object.hasOwn(credentials, 'AccessKeyId')
  )
    throw invalid('credentials', 'type', STS_SHAPED_CREDENTIALS)
  const { accessKeyId, secretAccessKey } = (credentials ?? {}) as Partial<Credentials>
  assertNonEmptyString('credentials.accessKeyId', accessKeyId)
  assertNonEmptyString('credentials.secretAccessKey', secretAccessKey)
}

// A region or a service is one scope component: a `/` or a space would change the scope's shape.
const NOT_IN_SCOPE = /[\s/]/

function assertNonEmptyString(param: string, value: unknown, forbidden?: RegExp) {
  if (typeof value == 'string' && value && !forbidden?.test(value)) return
  const rule = forbidden ? ' without "/" or spaces' : ''
  throw invalid(param, 'required', 'must be a non-empty string' + rule)
}

// ---- the canonical request ---------------------------------------------------------------------

// The query as AWS decodes it: split on & and =, percent-decode (a literal `+` stays `+`).
const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

// Formatting a date costs more than the rest of the request line; most signatures share a second.
let stampedSecond = NaN
let stamp = ''
const amzDateOf = (time: number): string => {
  const second = time - (time % 1000)
  if (second != stampedSecond) {
    stampedSecond = second
    stamp = new Date(second).toISOString().replace(/[:-]|\.\d+/g, '')
  }
  return stamp
}

const timeOf = (date: SignOptions['date']): number => {
  if (date === undefined) return Date.now()
  const time = +new Date(date)
  if (isNaN(time)) throw invalid('date', 'date', 'must be a valid date')
  return time
}

// The URL path is already percent-encoded once (the wire form). Services other than S3 sign it
// encoded a second time. S3 signs it encoded once, strictly; the URL sent then carries that same
// strict form (URL parsing leaves `!'()*$,;:@` raw), so that the signature holds whether the server
// reads the path as sent or decodes and re-encodes it.
const canonicalPath = (pathname: string, normalize: boolean, doubleEncode: boolean): string => {
  let path = pathname
  if (normalize) path = path.replace(/\/+/g, '/')
  if (/[^\w.~/-]/.test(path)) {
    const segments = path.split('/')
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!
      segments[i] = uriEncode(doubleEncode ? segment : decode(segment))
    }
    path = segments.join('/')
  }
  return path
}

/** What the signer reads of a request URL. */
interface ParsedUrl {
  host: string
  pathname: string
  search: string
  /** The whole URL without its fragment. */
  href: string
}

// URLs parsed before, by the string given: a signer signs for the same few endpoints again and
// again, and on workerd parsing a URL and reading its parts are calls into the runtime (≈3 µs).
const parsedUrls = new Map<string, ParsedUrl>()

const parseUrl = (given: string | URL): ParsedUrl => {
  const text = String(given)
  const cached = parsedUrls.get(text)
  if (cached) return cached
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalid('url', 'url', 'must be an absolute URL')
  }
  url.hash = ''
  const parsed = { host: url.host, pathname: url.pathname, search: url.search, href: url.href }
  if (parsedUrls.size >= 64) parsedUrls.delete(parsedUrls.keys().next().value!)
  parsedUrls.set(text, parsed)
  return parsed
}

// Sorted by encoded name, then value: each pair is joined by NUL while sorting, which sorts below
// every encoded character, then by `=`.
const canonicalQuery = (parameters: string[]): string => {
  if (parameters.length == 0) return ''
  const pairs = parameters.map((parameter) => {
    const equals = parameter.indexOf('=')
    if (equals < 0) return uriEncode(decode(parameter)) + '\0'
    const name = uriEncode(decode(parameter.slice(0, equals)))
    return name + '\0' + uriEncode(decode(parameter.slice(equals + 1)))
  })
  return pairs.sort().join('&').replace(/\0/g, '=')
}

/** Lower-case names; values trimmed, whitespace runs as one space, repeated names comma-joined in order. */
const headerMap = (list: HeaderList | undefined): Map<string, string> => {
  const headers = new Map<string, string>()
  if (!list) return headers
  const entries: Iterable<[string, string]> =
    Symbol.iterator in list ? (list as Iterable<[string, string]>) : Object.entries(list)
  for (const [name, value] of entries) {
    const lowerName = name.toLowerCase()
    // Obsolete line folds are whitespace runs too.
    const text = String(value).trim().replace(/\s+/g, ' ')
    const earlier = headers.get(lowerName)
    headers.set(lowerName, earlier === undefined ? text : earlier + ',' + text)
  }
  return headers
}

const payloadHashOf = (body: SignableBody | undefined, unsignedPayload: boolean | undefined) => {
  if (unsignedPayload) return 'UNSIGNED-PAYLOAD'
  if (body?.length) return sha256Hex(body)
  return hashOfEmptyBody()
}

type Presign = (
  parameters: string[],
  amzDate: string,
  scope: string,
  signedHeaders: string,
  token?: string,
) => string[]

/** @internal Builds the canonical request (SigV4 "Task 1"); exported for the test suite. */
export const canonicalize = async (
  request: SignableRequest<SignableBody>,
  options: SignOptions,
  presign?: Presign,
): Promise<Canonical> => {
  const credentials = options.credentials
  const { region, service } = options
  assertCredentials(credentials)
  assertNonEmptyString('region', region, NOT_IN_SCOPE)
  assertNonEmptyString('service', service, NOT_IN_SCOPE)
  const target = parseUrl(request.url)
  const amzDate = amzDateOf(timeOf(options.date))
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`
  const isS3 = service == 's3'
  const method = (request.method ?? 'GET').toUpperCase()

  const headers = headerMap(request.headers)
  headers.delete('authorization')
  if (!headers.has('host')) headers.set('host', target.host)
  const token = options.appendSessionToken ? undefined : credentials.sessionToken
  if (!presign) {
    headers.set('x-amz-date', amzDate)
    // Trimmed, as every header value is signed and as fetch sends it (a token read from a file ends in a newline).
    if (token) headers.set('x-amz-security-token', token.trim())
  }
  const payloadHash =
    headers.get('x-amz-content-sha256') ??
    (await payloadHashOf(request.body, options.unsignedPayload))
  if (!presign && (options.contentSha256 ?? isS3)) headers.set('x-amz-content-sha256', payloadHash)

  const names = [...headers.keys()].filter((name) => !UNSIGNED_HEADERS.test(name)).sort()
  const signedHeaders = names.join(';')
  let parameters = target.search.slice(1).split('&').filter(Boolean)
  // A URL object only where the signer rewrites the URL: the query of a presigned URL, an S3 path.
  let url: URL | undefined
  if (presign) {
    parameters = presign(parameters, amzDate, scope, signedHeaders, token)
    url = new URL(target.href)
    url.search = parameters.join('&')
  }
  let canonicalHeaders = ''
  for (const name of names) canonicalHeaders += `${name}:${headers.get(name)}\n`
  const doubleEncode = options.doubleEncode ?? !isS3
  const path = canonicalPath(target.pathname, options.normalizePath ?? !isS3, doubleEncode)
  if (!doubleEncode && path != target.pathname) {
    url ??= new URL(target.href)
    url.pathname = path
  }
  const canonicalRequest = `${method}\n${path}\n${canonicalQuery(parameters)}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`
  return {
    method,
    url: url ? url.href : target.href,
    headers,
    signedHeaders,
    canonicalRequest,
    payloadHash,
    amzDate,
    scope,
  }
}

type ToSign = Pick<Canonical, 'amzDate' | 'scope' | 'canonicalRequest' | 'signedHeaders'>

const stringToSignOf = (k: ToSign, canonicalRequestHash: string) =>
  `${ALGORITHM}\n${k.amzDate}\n${k.scope}\n${canonicalRequestHash}`

/** @internal SigV4 "Task 2": the string to sign. */
export const stringToSign = async (k: ToSign): Promise<string> =>
  stringToSignOf(k, await sha256Hex(k.canonicalRequest))

const signatureOf = async (k: ToSign, credentials: Credentials): Promise<string> => {
  // The key (cached, or derived) and the hash of the canonical request are worked on at once; the
  // subtle calls are awaited here directly (each async layer costs microtasks on every request).
  const key = signingKey(credentials, k.scope)
  const canonicalRequestHash = await subtle().digest('SHA-256', utf8.encode(k.canonicalRequest))
  const text = stringToSignOf(k, hex(canonicalRequestHash))
  return hex(await subtle().sign('HMAC', await key, utf8.encode(text)))
}

const authorizationOf = async (k: ToSign, credentials: Credentials): Promise<string> => {
  const signature = await signatureOf(k, credentials)
  return `${ALGORITHM} Credential=${credentials.accessKeyId}/${k.scope}, SignedHeaders=${k.signedHeaders}, Signature=${signature}`
}

/**
 * @internal Signs an STS Query-protocol POST without the general canonicalisation: its headers are
 * fixed and already in order, its endpoint URL has no query, and its body is never empty. The same
 * bytes as {@link signRequest} with these headers (the test suite checks), in fewer bundle bytes.
 */
export const signForm = async (
  url: URL,
  body: string,
  credentials: Credentials,
  region: string,
  time: number,
): Promise<Record<string, string>> => {
  assertCredentials(credentials)
  const amzDate = amzDateOf(time)
  const scope = `${amzDate.slice(0, 8)}/${region}/sts/aws4_request`
  const headers: Record<string, string> = {
    'content-type': FORM,
    host: url.host,
    'x-amz-date': amzDate,
  }
  // fetch strips a token's surrounding whitespace (a token read from a file ends in a newline).
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken.trim()
  let signedHeaders = ''
  let canonicalHeaders = ''
  for (const name in headers) {
    signedHeaders += signedHeaders ? ';' + name : name
    canonicalHeaders += `${name}:${headers[name]}\n`
  }
  const path = canonicalPath(url.pathname, true, true)
  const canonicalRequest = `POST\n${path}\n\n${canonicalHeaders}\n${signedHeaders}\n${await sha256Hex(body)}`
  const k = { amzDate, scope, canonicalRequest, signedHeaders }
  headers.authorization = await authorizationOf(k, credentials)
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
  const credentials = options.credentials
  const headers = Object.fromEntries(k.headers)
  headers.authorization = await authorizationOf(k, credentials)
  if (options.appendSessionToken && credentials.sessionToken)
    headers['x-amz-security-token'] = credentials.sessionToken
  return { method: k.method, url: k.url, headers, body: request.body }
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
  const expiresIn = options.expiresIn ?? 3600
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604800)
    throw invalid('expiresIn', 'range', 'must be an integer from 1 to 604800 seconds (7 days)')
  const credentials = options.credentials
  const k = await canonicalize(request, options, presignQuery(credentials, expiresIn))
  let url = k.url
  if (options.appendSessionToken && credentials.sessionToken)
    url += `&X-Amz-Security-Token=${uriEncode(credentials.sessionToken)}`
  return `${url}&X-Amz-Signature=${await signatureOf(k, credentials)}`
}

// The parameters presigning adds: any of them already in the URL is replaced, not signed twice.
const PRESIGN_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
]

/** @internal The query-string part of presigning, for {@link canonicalize}. */
export const presignQuery =
  (credentials: Credentials, expiresIn: number): Presign =>
  (parameters, amzDate, scope, signedHeaders, token) => {
    const values = [
      ALGORITHM,
      `${credentials.accessKeyId}/${scope}`,
      amzDate,
      String(expiresIn),
      signedHeaders,
      token,
    ]
    const kept = parameters.filter((parameter) => {
      const name = decode(parameter.split('=')[0]!)
      return !PRESIGN_PARAMETERS.includes(name)
    })
    for (const [i, name] of PRESIGN_PARAMETERS.entries()) {
      const value = values[i]
      if (value) kept.push(`${name}=${uriEncode(value)}`)
    }
    return kept
  }
