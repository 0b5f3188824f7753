import { StsError, invalid, isRetryable } from './errors.ts'
import {
  aborted,
  backoff,
  checkOptions,
  credentialsSource,
  nonEmpty,
  redact,
  resolveCredentials,
  retryOptions,
  unreachable,
  type CredentialsSource,
} from './client.ts'
import { signRequest, type SignOptions } from './sigv4.ts'
import { req, typed, type Check } from './validate.ts'

/**
 * What {@link createSignedFetch} needs: the signer's options, with credentials that may be a
 * provider.
 */
export interface SignedFetchConfig extends Omit<SignOptions, 'credentials' | 'date'> {
  /** Static credentials or a provider (e.g. `fromAssumeRole(...)`), asked before every attempt. */
  credentials: CredentialsSource
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch | undefined
  /**
   * Attempts in all, for network errors, timeouts, HTTP 408/429/500/502/503/504 and throttling: 1
   * to 10 (default 3).
   */
  maxAttempts?: number | undefined
  /** Base of the full-jitter exponential backoff (default 100 ms, each wait capped at 20 s). */
  retryDelayMs?: number | undefined
  /**
   * Time limit of each attempt, from sending the request until the response headers arrive
   * (default 30000 ms): a server that never answers fails with `TimeoutError` (retried like a
   * network error). The response body is not bounded: it streams for as long as it is read (abort
   * it with the request's `signal`).
   */
  timeoutMs?: number | undefined
}

const SIGNED_FETCH_OPTIONS = (): Record<string, Check> => ({
  ...retryOptions(),
  credentials: req(credentialsSource),
  region: nonEmpty,
  service: nonEmpty,
  normalizePath: typed('boolean'),
  doubleEncode: typed('boolean'),
  unsignedPayload: typed('boolean'),
  contentSha256: typed('boolean'),
  appendSessionToken: typed('boolean'),
})

// Throttling a JSON service reports in its x-amzn-ErrorType header, e.g.
// "ThrottlingException:http://...".
const throttled = (response: Response) => {
  const errorType = response.headers.get('x-amzn-errortype') ?? ''
  return isRetryable(errorType.split(':')[0]!, response.status)
}

const BODY_TYPES =
  'must be a string, Uint8Array, ArrayBuffer or URLSearchParams (a stream needs unsignedPayload)'

type Body = string | Uint8Array | ReadableStream | undefined

// The body as the signer takes it: a string or bytes (a Request's read whole), or a stream.
const bodyOf = async (init: RequestInit, request: Request | undefined): Promise<Body> => {
  let body: unknown = init.body
  if (body == null && request?.body) body = new Uint8Array(await request.arrayBuffer())
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (body instanceof URLSearchParams) return String(body)
  if (
    body == null ||
    typeof body == 'string' ||
    body instanceof Uint8Array ||
    body instanceof ReadableStream
  )
    return body ?? undefined
  throw invalid('body', 'type', BODY_TYPES)
}

/**
 * A `fetch` that signs every request with SigV4 for any AWS service (S3 included: unnormalised
 * paths,
 * `x-amz-content-sha256`, `unsignedPayload` for streams), takes fresh credentials from a provider
 * and retries like the STS client, signing each attempt anew. Bodies: string, `Uint8Array`,
 * `ArrayBuffer`, `URLSearchParams`; a `ReadableStream` only with `unsignedPayload` (and no
 * retries).
 * The config is checked when the function is made (a bad option throws `StsValidationError` here,
 * not at the first request); each attempt waits at most `timeoutMs` for the response headers.
 *
 * @example
 * const s3 = createSignedFetch({ credentials: fromAssumeRole({ RoleArn }, sts), region:
 * 'eu-west-1', service: 's3' })
 * const res = await s3('https://my-bucket.s3.eu-west-1.amazonaws.com/key.txt')
 */
export const createSignedFetch = (
  config: SignedFetchConfig,
): ((input: string | URL | Request, init?: RequestInit) => Promise<Response>) => {
  checkOptions(config, SIGNED_FETCH_OPTIONS(), 'config')
  const {
    credentials,
    fetch: fetchFunction,
    maxAttempts = 3,
    retryDelayMs = 100,
    timeoutMs = 30000,
    ...options
  } = config
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined
    const method = init.method ?? request?.method ?? 'GET'
    const headers = [...new Headers(init.headers ?? request?.headers)]
    const url = request?.url ?? input.toString()
    const body = await bodyOf(init, request)
    const stream = body instanceof ReadableStream
    if (stream && !options.unsignedPayload) throw invalid('body', 'type', BODY_TYPES)
    const signal = init.signal ?? request?.signal
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw aborted(signal)
      const resolved = await resolveCredentials(credentials)
      const signed = await signRequest(
        { method, url, headers, body: stream ? undefined : body },
        { ...options, credentials: resolved },
      )
      // Checked after signing, which awaits: an abort during it has no listener to stop the fetch.
      if (signal?.aborted) throw aborted(signal)
      // One controller per attempt: the caller's signal and this attempt's timeout both abort it.
      // The caller's signal stays attached after the headers so that it can still stop the body.
      const controller = new AbortController()
      const stop = () => controller.abort()
      const timer = setTimeout(stop, timeoutMs)
      signal?.addEventListener('abort', stop, { once: true })
      let response: Response | undefined
      let failure: StsError | undefined
      try {
        response = await (fetchFunction ?? fetch)(signed.url, {
          ...init,
          method,
          headers: signed.headers,
          body,
          signal: controller.signal,
          ...(stream && { duplex: 'half' }),
        } as RequestInit)
      } catch (error) {
        signal?.removeEventListener('abort', stop)
        if (signal?.aborted) throw aborted(signal)
        const host = new URL(signed.url).host
        if (controller.signal.aborted) {
          const limit = `within timeoutMs (${timeoutMs} ms) on attempt ${attempt} of ${maxAttempts}`
          failure = new StsError('TimeoutError', `no response headers from ${host} ${limit}`, {
            cause: error,
          })
        } else {
          failure = redact(unreachable(host, error), [
            resolved.secretAccessKey,
            resolved.sessionToken,
          ])
        }
      } finally {
        clearTimeout(timer)
      }
      if (response && !throttled(response)) return response
      if (attempt >= maxAttempts || stream) {
        if (response) return response
        throw failure
      }
      signal?.removeEventListener('abort', stop)
      await response?.body?.cancel()
      await backoff(attempt, retryDelayMs, signal)
    }
  }
}
