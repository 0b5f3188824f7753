// A local STS as a web-standard fetch handler: the Query protocol, every operation this package
// calls, STS's error codes and wording, SigV4 checks, CORS, and faults switched on by tests.
// Web-standard globals only, so it runs in Workers and browsers as well as Node, Deno and Bun.
import {
  EXAMPLE_AUTHORIZATION_MESSAGES,
  EXAMPLE_ROLES,
  EXAMPLE_SAML_ASSERTIONS,
  EXAMPLE_TRADE_IN_TOKENS,
  EXAMPLE_USERS,
  EXAMPLE_WEB_IDENTITY_TOKENS,
} from './examples.ts'
import { StsFault } from './fault.ts'
import { actions, escapeXml, type Caller, type Issuer, type World } from './actions.ts'
import { checkScope, expectedSignature, parseAuthorization } from './verify.ts'

/** An IAM user: long-term credentials that sign requests. */
export interface LocalStsUser {
  accessKeyId: string
  secretAccessKey: string
  /** `arn:aws:iam::{account}:user/{name}`. */
  arn: string
  /** The user's MFA device, for `SerialNumber`. */
  mfaSerial?: string
  /** The one code the device accepts, for `TokenCode`. */
  mfaCode?: string
}

/** An IAM role and who may assume it. */
export interface LocalStsRole {
  /** `arn:aws:iam::{account}:role/{name}`. */
  arn: string
  /**
   * Trust rules: principal ARNs (a trailing `*` matches any suffix) for AssumeRole,
   * `oidc:{issuer}` for AssumeRoleWithWebIdentity, `saml:{provider ARN}` for AssumeRoleWithSAML.
   */
  trusts: string[]
  /** The `ExternalId` callers must send. */
  externalId?: string
  /** Callers must send the `SerialNumber` and `TokenCode` of their MFA device. */
  requireMfa?: boolean
  /** Longest session in seconds (default 3600, as IAM's). */
  maxSessionDuration?: number
}

/** The claims of an OIDC token the local STS accepts. */
export interface WebIdentityClaims {
  iss: string
  sub: string
  aud: string
}

/** The claims of a SAML assertion the local STS accepts. */
export interface SamlAssertionClaims {
  subject: string
  subjectType: string
  issuer: string
  audience: string
}

/** Temporary credentials the local STS issued. */
export interface LocalStsSession {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  /** Milliseconds since the epoch, on the server's clock. */
  expiration: number
  /** The session's principal: an assumed role, a federated user, the IAM user, a root session. */
  arn: string
  /** `UserId` of GetCallerIdentity. */
  userId: string
  /** The role the session belongs to, if any. */
  roleArn?: string
  /** Long-term credentials made it (GetSessionToken): it may not call GetSessionToken again. */
  fromUser?: LocalStsUser
}

/**
 * Faults to switch on. Counts are used up one request at a time; the other switches hold until
 * {@link LocalSts.reset} or the next assignment to {@link LocalSts.faults}.
 */
export interface LocalStsFaults {
  /** Answer the next N requests with `Throttling` (HTTP 400, as STS sends it). */
  throttle?: number
  /** Answer the next `count` requests with an STS XML 5xx (default 503 `ServiceUnavailable`). */
  serverError?: { count: number; status?: number; code?: string }
  /** Answer the next `count` requests with a proxy's HTML error page. */
  html5xx?: { count: number; status: number }
  /** Fail the next N calls of `fetch` with a `TypeError`, as `fetch` does when it cannot connect. */
  networkError?: number
  /** Never answer: the call waits until the request's signal aborts (or `stop()`). */
  hang?: boolean
  /** Wait this long before answering (the request's signal cuts it short). */
  delayMs?: number
  /** Stream the body in chunks of this many bytes. */
  chunkSize?: number
  /** Wait this long between chunks. */
  chunkDelayMs?: number
  /** Send only the first N bytes of the body. */
  truncateAt?: number
  /** Server clock = clock + skewMs: the `Date` header, the signature-age check and expirations. */
  skewMs?: number
  /** Answer 200 with an empty body. */
  emptyBody?: boolean
  /** Answer errors with HTTP 200. */
  errorsAs200?: boolean
}

/** A request as the local STS received it (preflights are not recorded). */
export interface RecordedRequest {
  method: string
  url: string
  /** Lower-case names. */
  headers: Record<string, string>
  body: string
  /** The decoded form (or query) parameters. */
  params: Record<string, string>
}

/** How to build a local STS. Every identity list defaults to the `EXAMPLE_*` values. */
export interface LocalStsOptions {
  /** IAM users whose keys sign requests. */
  users?: LocalStsUser[]
  /** Roles and their trust rules. */
  roles?: LocalStsRole[]
  /** OIDC tokens AssumeRoleWithWebIdentity accepts, and their claims. */
  webIdentityTokens?: Record<string, WebIdentityClaims>
  /** Base64 SAML assertions AssumeRoleWithSAML accepts, and their claims. */
  samlAssertions?: Record<string, SamlAssertionClaims>
  /** Trade-in tokens GetDelegatedAccessToken exchanges, and the role ARN each one names. */
  tradeInTokens?: Record<string, string>
  /** Encoded messages DecodeAuthorizationMessage decodes, and their JSON. */
  authorizationMessages?: Record<string, string>
  /**
   * The region signatures must be scoped to when the request's host is not an AWS STS host
   * (default `us-east-1`); a list when one endpoint stands in for several regions. For
   * `sts.{region}.amazonaws.com` the host's region applies, and `us-east-1` for
   * `sts.amazonaws.com`, as at STS.
   */
  region?: string | string[]
  /**
   * Answer CORS preflights and add CORS headers: `true` allows any origin (echoing the request's),
   * a string allows that origin only.
   */
  cors?: boolean | string
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  clock?: () => number
}

/** A local STS: a fetch handler and the switches around it. */
export interface LocalSts {
  /**
   * Answers one request; has the signature of the global `fetch` and needs no `this`, so pass it
   * as it is (`fetch: sts.fetch`, a Miniflare `outboundService`, a mocked global `fetch`).
   */
  fetch: (input: Request | string | URL, init?: RequestInit) => Promise<Response>
  /** Every request received (except CORS preflights), oldest first. */
  readonly requests: RecordedRequest[]
  /** The faults in force. */
  faults: LocalStsFaults
  /** Temporary credentials issued so far, by access key ID. */
  readonly sessions: Map<string, LocalStsSession>
  /** The same objects, for older tests. */
  readonly state: { faults: LocalStsFaults; requests: RecordedRequest[] }
  /** Clears faults and recorded requests (sessions stay valid). */
  reset(): void
  /** Ends pending waits (delays, hung requests), so a test can finish. */
  stop(): void
}

const STS_HOST = /^sts(-fips)?\.(([a-z0-9-]+)\.)?amazonaws\.com(\.cn)?$/
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-user-agent',
]
const EXPOSED_HEADERS = 'Date, x-amzn-RequestId'
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

const errorXml = (fault: StsFault, requestId: string): string =>
  `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${fault.type}</Type>\n    <Code>${fault.code}</Code>\n    <Message>${escapeXml(fault.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`

const successXml = (action: string, result: string, requestId: string): string =>
  `<${action}Response xmlns="${NS}">\n  <${action}Result>\n    ${result}\n  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`

const randomText = (length: number, alphabet: string): string =>
  Array.from(
    crypto.getRandomValues(new Uint8Array(length)),
    (byte) => alphabet[byte % alphabet.length],
  ).join('')

// A Request of another realm or library (Miniflare's outboundService passes its own class) is
// copied field by field: the global Request constructor would read it as a URL string.
const toRequest = async (input: Request | string | URL, init?: RequestInit): Promise<Request> => {
  if (typeof input === 'string' || input instanceof URL || input instanceof Request)
    return new Request(input, init)
  const foreign = input as Request
  let body: ArrayBuffer | undefined
  if (foreign.method !== 'GET' && foreign.method !== 'HEAD') body = await foreign.arrayBuffer()
  let signal: AbortSignal | null = null
  if (foreign.signal instanceof AbortSignal) signal = foreign.signal
  return new Request(foreign.url, {
    method: foreign.method,
    headers: [...foreign.headers],
    body,
    signal,
    ...init,
  })
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

// A CORS request header is allowed if listed, or an AWS SDK header (`amz-sdk-invocation-id`, …).
const corsAllows = (header: string): boolean =>
  ALLOWED_HEADERS.includes(header) || header.startsWith('amz-sdk-')

/**
 * Creates a local STS: a web-standard fetch handler that answers every STS operation this package
 * calls, for users', roles' and tokens' you configure, with STS's error codes and wording.
 *
 * Signatures are checked by recomputing them with this package's own SigV4 code: that proves the
 * client and the server agree, not that either matches AWS.
 *
 * @example
 * const sts = createLocalSts()
 * const config = { region: 'us-east-1', credentials, fetch: sts.fetch }
 */
export const createLocalSts = (options: LocalStsOptions = {}): LocalSts => {
  const users = options.users ?? EXAMPLE_USERS
  const clock = options.clock ?? Date.now
  const sessions = new Map<string, LocalStsSession>()
  const state = { faults: {} as LocalStsFaults, requests: [] as RecordedRequest[] }
  const waiting = new Set<() => void>()
  let stops = 0
  const now = () => clock() + (state.faults.skewMs ?? 0)

  const world: World = {
    roles: options.roles ?? EXAMPLE_ROLES,
    webIdentityTokens: options.webIdentityTokens ?? EXAMPLE_WEB_IDENTITY_TOKENS,
    samlAssertions: options.samlAssertions ?? EXAMPLE_SAML_ASSERTIONS,
    tradeInTokens: options.tradeInTokens ?? EXAMPLE_TRADE_IN_TOKENS,
    authorizationMessages: options.authorizationMessages ?? EXAMPLE_AUTHORIZATION_MESSAGES,
    users,
    sessions,
    roleIds: new Map(),
    now,
  }
  const issue: Issuer = ({ seconds, ...identity }) => {
    const issued: LocalStsSession = {
      ...identity,
      accessKeyId: 'ASIA' + randomText(16, BASE32),
      secretAccessKey: randomText(40, BASE64),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomText(420, BASE64) + '==',
      expiration: now() + seconds * 1000,
    }
    sessions.set(issued.accessKeyId, issued)
    return issued
  }

  // Resolves after `ms`, or at once on stop(); rejects when the request's signal aborts.
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const cleanUp = () => {
        clearTimeout(timer)
        waiting.delete(done)
        signal.removeEventListener('abort', abort)
      }
      const done = () => {
        cleanUp()
        resolve()
      }
      const abort = () => {
        cleanUp()
        reject(signal.reason)
      }
      const timer = ms === Infinity ? undefined : setTimeout(done, ms)
      waiting.add(done)
      if (signal.aborted) abort()
      else signal.addEventListener('abort', abort)
    })

  const corsHeaders = (request: Request): Record<string, string> => {
    const origin = request.headers.get('origin')
    if (!options.cors || !origin) return {}
    if (typeof options.cors === 'string' && options.cors !== origin) return {}
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': EXPOSED_HEADERS,
      vary: 'Origin',
    }
  }

  const preflight = (request: Request): Response => {
    const cors = corsHeaders(request)
    const requested = (request.headers.get('access-control-request-headers') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name && corsAllows(name))
    if (!cors['access-control-allow-origin']) return new Response(null, { status: 403 })
    return new Response(null, {
      status: 204,
      headers: {
        ...cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': requested.join(', ') || ALLOWED_HEADERS.join(', '),
        'access-control-max-age': '600',
      },
    })
  }

  const respond = (request: Request, status: number, body: string, requestId: string) => {
    const faults = state.faults
    const bytes = new TextEncoder().encode(body).slice(0, faults.truncateAt ?? Infinity)
    const chunkSize = faults.chunkSize
    const chunkDelayMs = faults.chunkDelayMs
    let stream: ReadableStream<Uint8Array> | null = null
    // A dripping body ends early when its reader cancels it or stop() is called.
    let cancelled = false
    const generation = stops
    if (!faults.emptyBody)
      stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (!chunkSize) {
            controller.enqueue(bytes)
            controller.close()
            return
          }
          for (let offset = 0; offset < bytes.length; offset += chunkSize) {
            if (cancelled || generation !== stops) return
            controller.enqueue(bytes.slice(offset, offset + chunkSize))
            if (chunkDelayMs) await wait(chunkDelayMs, request.signal).catch(() => {})
          }
          controller.close()
        },
        cancel() {
          cancelled = true
        },
      })
    return new Response(stream, {
      status,
      headers: {
        'content-type': 'text/xml',
        'x-amzn-requestid': requestId,
        date: new Date(now()).toUTCString(),
        ...corsHeaders(request),
      },
    })
  }

  // The region this request must be signed for: the STS host's own, else the configured one.
  const regionsOf = (url: URL): string[] => {
    const match = STS_HOST.exec(url.hostname)
    if (match) return [match[3] ?? 'us-east-1']
    const configured = options.region ?? 'us-east-1'
    if (typeof configured === 'string') return [configured]
    return configured
  }

  // Who signed the request, or an StsFault: the checks in STS's order, signature last but one.
  const authenticate = async (request: Request, url: URL, body: string): Promise<Caller> => {
    const auth = parseAuthorization(request)
    const user = users.find((candidate) => candidate.accessKeyId === auth.accessKeyId)
    const session = sessions.get(auth.accessKeyId)
    const invalidToken = new StsFault(
      403,
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    )
    if (!user && !session) throw invalidToken
    if (session && auth.securityToken !== session.sessionToken) throw invalidToken
    // A presigned URL signs its query, the token included; a header must be listed to be signed.
    if (session && !auth.presigned && !auth.signedHeaders.includes('x-amz-security-token'))
      throw new StsFault(
        403,
        'IncompleteSignature',
        'The x-amz-security-token header must be signed.',
      )
    const serverTime = now()
    checkScope(auth, regionsOf(url), serverTime)
    const secret = user ? user.secretAccessKey : session!.secretAccessKey
    if ((await expectedSignature(request, body, auth, secret)) !== auth.signature)
      throw new StsFault(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      )
    if (session && session.expiration <= serverTime)
      throw new StsFault(
        403,
        'ExpiredToken',
        'The security token included in the request is expired',
      )
    if (user) return { arn: user.arn, user, userId: 'AIDA' + user.accessKeyId.slice(4) }
    return { arn: session!.arn, session, userId: session!.userId }
  }

  // The faults that answer before any STS logic runs; a Response, or nothing to go on.
  const injectFault = async (request: Request): Promise<Response | undefined> => {
    const faults = state.faults
    if (faults.networkError && faults.networkError > 0) {
      faults.networkError--
      throw new TypeError('fetch failed (local STS: networkError fault)')
    }
    if (faults.hang) await wait(Infinity, request.signal)
    if (faults.delayMs) await wait(faults.delayMs, request.signal)
    if (faults.html5xx && faults.html5xx.count > 0) {
      faults.html5xx.count--
      const status = faults.html5xx.status
      return new Response(
        `<!DOCTYPE html>\n<html><head><title>${status}</title></head><body><h1>${status} Bad Gateway</h1></body></html>`,
        { status, headers: { 'content-type': 'text/html', ...corsHeaders(request) } },
      )
    }
    return undefined
  }

  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (request.method === 'OPTIONS' && options.cors) return preflight(request)
    const body = request.method === 'GET' ? '' : await request.text()
    const form = request.method === 'GET' ? url.search : body
    // Object.fromEntries makes every name an own property, `__proto__` included.
    const params: Record<string, string> = Object.fromEntries(new URLSearchParams(form))
    const requestId = crypto.randomUUID()
    state.requests.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body,
      params,
    })
    const early = await injectFault(request)
    if (early) return early
    const faults = state.faults
    try {
      if (faults.throttle && faults.throttle > 0) {
        faults.throttle--
        throw new StsFault(400, 'Throttling', 'Rate exceeded')
      }
      if (faults.serverError && faults.serverError.count > 0) {
        faults.serverError.count--
        throw new StsFault(
          faults.serverError.status ?? 503,
          faults.serverError.code ?? 'ServiceUnavailable',
          'Service is unable to handle request.',
          'Receiver',
        )
      }
      const action = params.Action ?? ''
      const operation = Object.hasOwn(actions, action) ? actions[action] : undefined
      if (!operation || params.Version !== '2011-06-15')
        throw new StsFault(
          400,
          'InvalidAction',
          `Could not find operation ${params.Action} for version ${params.Version}`,
        )
      // AssumeRoleWithWebIdentity and AssumeRoleWithSAML are not signed: the token is the credential.
      let caller: Caller | undefined
      if (!operation.unsigned) caller = await authenticate(request, url, body)
      const result = operation.run(params, { caller, world, issue })
      return respond(request, 200, successXml(action, result, requestId), requestId)
    } catch (error) {
      if (!(error instanceof StsFault)) throw error
      const status = faults.errorsAs200 ? 200 : error.status
      return respond(request, status, errorXml(error, requestId), requestId)
    }
  }

  return {
    fetch: async (input, init) => answer(await toRequest(input, init)),
    get requests() {
      return state.requests
    },
    get faults() {
      return state.faults
    },
    set faults(faults: LocalStsFaults) {
      state.faults = faults
    },
    sessions,
    state,
    reset() {
      state.faults = {}
      state.requests.length = 0
    },
    stop() {
      stops++
      for (const done of [...waiting]) done()
    },
  }
}
