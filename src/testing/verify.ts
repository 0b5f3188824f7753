// SigV4 verification for the local STS: the canonical request is rebuilt from what arrived (any
// signed header, in the order the Authorization header lists them), then hashed and signed with
// this package's own SigV4 code. A request this package signs is therefore checked by code that
// shares its reading of the specification: it proves self-consistency, not AWS conformance.
import { hex, uriEncode, utf8 } from '../encode.ts'
import { sha256Hex, stringToSign } from '../sigv4.ts'
import { StsFault } from './fault.ts'

/** What the `Authorization` header of a SigV4 request says. */
export interface SigV4Authorization {
  accessKeyId: string
  /** `YYYYMMDD` of the credential scope. */
  scopeDate: string
  region: string
  service: string
  /** Lower-case header names, as listed in `SignedHeaders`. */
  signedHeaders: string[]
  signature: string
  /** The request's `x-amz-date` (`YYYYMMDDTHHMMSSZ`). */
  amzDate: string
  /** Signed in the query string (a presigned URL) rather than the `Authorization` header. */
  presigned: boolean
  /** The session token sent: the `x-amz-security-token` header, or `X-Amz-Security-Token` of a presigned URL. */
  securityToken: string | null
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;_.-]+), ?Signature=([0-9a-f]{64})$/
const MINUTES_15 = 15 * 60_000

const QUERY_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Date',
]

// The same fields from the query string of a presigned URL.
const parseQueryAuthorization = (url: URL): SigV4Authorization => {
  const query = url.searchParams
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(
    query.get('X-Amz-Credential') ?? '',
  )
  const signature = query.get('X-Amz-Signature') ?? ''
  const amzDate = query.get('X-Amz-Date') ?? ''
  const signedHeaders = query.get('X-Amz-SignedHeaders') ?? ''
  const complete =
    QUERY_PARAMETERS.every((name) => query.has(name)) &&
    query.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' &&
    credential &&
    /^[0-9a-f]{64}$/.test(signature) &&
    /^\d{8}T\d{6}Z$/.test(amzDate) &&
    /^[a-z0-9;_.-]+$/.test(signedHeaders)
  if (!complete || !credential)
    throw new StsFault(
      400,
      'IncompleteSignature',
      `AWS query-string parameters must include ${QUERY_PARAMETERS.map((name) => `'${name}'`).join(', ')}. Re-examine the query-string parameters.`,
    )
  return {
    accessKeyId: credential[1]!,
    scopeDate: credential[2]!,
    region: credential[3]!,
    service: credential[4]!,
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    presigned: true,
    securityToken: query.get('X-Amz-Security-Token'),
  }
}

/**
 * Reads the `Authorization` header, or the query string of a presigned URL, or fails as STS does
 * when both are missing or one is malformed.
 */
export const parseAuthorization = (request: Request): SigV4Authorization => {
  const header = request.headers.get('authorization')
  const url = new URL(request.url)
  if (!header && url.searchParams.has('X-Amz-Algorithm')) return parseQueryAuthorization(url)
  if (!header)
    throw new StsFault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
  const match = AUTHORIZATION.exec(header)
  if (!match)
    throw new StsFault(
      400,
      'IncompleteSignature',
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    )
  const amzDate = request.headers.get('x-amz-date')
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate))
    throw new StsFault(
      400,
      'IncompleteSignature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    )
  return {
    accessKeyId: match[1]!,
    scopeDate: match[2]!,
    region: match[3]!,
    service: match[4]!,
    signedHeaders: match[5]!.split(';'),
    signature: match[6]!,
    amzDate,
    presigned: false,
    securityToken: request.headers.get('x-amz-security-token'),
  }
}

const amzDateToTime = (amzDate: string): number =>
  Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'))

const toAmzDate = (time: number): string => new Date(time).toISOString().replace(/[:-]|\.\d+/g, '')

/**
 * Checks the credential scope (service `sts`, one of the server's regions, the request's day) and
 * the signing time (within 15 minutes of the server's clock), with STS's codes and wording.
 */
export const checkScope = (
  auth: SigV4Authorization,
  regions: string[],
  serverTime: number,
): void => {
  if (auth.service !== 'sts')
    throw new StsFault(
      403,
      'SignatureDoesNotMatch',
      "Credential should be scoped to correct service: 'sts'. ",
    )
  if (!regions.includes(auth.region))
    throw new StsFault(
      403,
      'SignatureDoesNotMatch',
      'Credential should be scoped to a valid region. ',
    )
  if (!auth.amzDate.startsWith(auth.scopeDate))
    throw new StsFault(
      403,
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`,
    )
  const signedAt = amzDateToTime(auth.amzDate)
  if (!(signedAt > serverTime - MINUTES_15))
    throw new StsFault(
      403,
      'SignatureDoesNotMatch',
      `Signature expired: ${auth.amzDate} is now earlier than ${toAmzDate(serverTime - MINUTES_15)} (${toAmzDate(serverTime)} - 15 min.)`,
    )
  if (signedAt > serverTime + MINUTES_15)
    throw new StsFault(
      403,
      'SignatureDoesNotMatch',
      `Signature not yet current: ${auth.amzDate} is still later than ${toAmzDate(serverTime + MINUTES_15)} (${toAmzDate(serverTime)} + 15 min.)`,
    )
}

const decodeComponent = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

// The path as sent, empty segments removed and every segment encoded once more (all services but S3).
const canonicalPath = (url: URL): string =>
  url.pathname
    .replace(/\/+/g, '/')
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/')

// Each name and value decoded and strictly re-encoded, then sorted by name, then value; a presigned
// URL's signature is not part of what it signs.
const canonicalQuery = (url: URL, presigned: boolean): string => {
  const pairs = url.search
    .slice(1)
    .split('&')
    .filter(Boolean)
    .filter((pair) => !presigned || decodeComponent(pair.split('=')[0]!) !== 'X-Amz-Signature')
    .map((pair) => {
      const equals = pair.indexOf('=')
      const name = equals < 0 ? pair : pair.slice(0, equals)
      const value = equals < 0 ? '' : pair.slice(equals + 1)
      return [uriEncode(decodeComponent(name)), uriEncode(decodeComponent(value))] as const
    })
  pairs.sort(([nameA, valueA], [nameB, valueB]) => {
    if (nameA !== nameB) return nameA < nameB ? -1 : 1
    if (valueA === valueB) return 0
    return valueA < valueB ? -1 : 1
  })
  return pairs.map(([name, value]) => `${name}=${value}`).join('&')
}

// Header values trimmed, inner whitespace runs as one space; `host` falls back to the URL's host
// (a fetch handler called in-process may not see one).
const canonicalHeaders = (request: Request, url: URL, names: string[]): string =>
  names
    .map((name) => {
      let value = request.headers.get(name)
      if (value === null && name === 'host') value = url.host
      return `${name}:${(value ?? '').trim().replace(/\s+/g, ' ')}\n`
    })
    .join('')

const hmac = async (key: BufferSource, data: string): Promise<ArrayBuffer> => {
  const imported = await crypto.subtle.importKey(
    'raw',
    key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return crypto.subtle.sign('HMAC', imported, utf8.encode(data))
}

/** The signature the request should carry, recomputed from the request as it arrived. */
export const expectedSignature = async (
  request: Request,
  body: string,
  auth: SigV4Authorization,
  secretAccessKey: string,
): Promise<string> => {
  const url = new URL(request.url)
  const payloadHash = request.headers.get('x-amz-content-sha256') ?? (await sha256Hex(body))
  const canonicalRequest = [
    request.method,
    canonicalPath(url),
    canonicalQuery(url, auth.presigned),
    canonicalHeaders(request, url, auth.signedHeaders),
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n')
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`
  let key: BufferSource = utf8.encode('AWS4' + secretAccessKey)
  for (const part of scope.split('/')) key = await hmac(key, part)
  const toSign = await stringToSign({
    amzDate: auth.amzDate,
    scope,
    canonicalRequest,
    signedHeaders: auth.signedHeaders.join(';'),
  })
  return hex(await hmac(key, toSign))
}
