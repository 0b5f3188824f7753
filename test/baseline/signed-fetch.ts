import { StsError, invalid, isRetryable } from './errors.ts'
import { aborted, backoff, type CredentialsSource } from './client.ts'
import { signRequest, type SignOptions } from './sigv4.ts'

/** What {@link createSignedFetch} needs: the signer's options, with credentials that may be a provider. */
export interface SignedFetchConfig extends Omit<SignOptions, 'credentials' | 'date'> {
  /** Static credentials or a provider (e.g. `fromAssumeRole(...)`), asked before every attempt. */
  credentials: CredentialsSource
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** Attempts in all, for network errors, HTTP 408/429/500/502/503/504 and throttling (default 3). */
  maxAttempts?: number
  /** Base of the full-jitter exponential backoff (default 100 ms, capped at 20 s). */
  retryDelayMs?: number
}

// Throttling a JSON service reports in its x-amzn-ErrorType header, e.g. "ThrottlingException:http://...".
const throttled = (res: Response) =>
  isRetryable((res.headers.get('x-amzn-errortype') ?? '').split(':')[0]!, res.status)

/**
 * A `fetch` that signs every request with SigV4 for any AWS service (S3 included: unnormalised paths,
 * `x-amz-content-sha256`, `unsignedPayload` for streams), takes fresh credentials from a provider
 * and retries like the STS client, signing each attempt anew. Bodies: string, `Uint8Array`,
 * `ArrayBuffer`, `URLSearchParams`; a `ReadableStream` only with `unsignedPayload` (and no retries).
 *
 * @example
 * const s3 = createSignedFetch({ credentials: fromAssumeRole({ RoleArn }, sts), region: 'eu-west-1', service: 's3' })
 * const res = await s3('https://my-bucket.s3.eu-west-1.amazonaws.com/key.txt')
 */
export const createSignedFetch =
  ({ credentials, fetch: f, maxAttempts = 3, retryDelayMs = 100, ...options }: SignedFetchConfig) =>
  async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const req = input instanceof Request ? input : undefined
    const method = init.method ?? req?.method ?? 'GET'
    const headers = [...new Headers(init.headers ?? req?.headers)]
    let body: any = init.body ?? (req?.body && new Uint8Array(await req.arrayBuffer()))
    if (body instanceof ArrayBuffer) body = new Uint8Array(body)
    if (body instanceof URLSearchParams) body = String(body)
    const stream = body instanceof ReadableStream
    if (
      body != null &&
      typeof body != 'string' &&
      !(body instanceof Uint8Array) &&
      !(stream && options.unsignedPayload)
    )
      invalid(
        'body',
        'type',
        'must be a string, Uint8Array, ArrayBuffer or URLSearchParams (a stream needs unsignedPayload)',
      )
    const signal = init.signal ?? req?.signal
    for (let attempt = 1; ; attempt++) {
      const c = typeof credentials == 'function' ? await credentials() : credentials
      const signed = await signRequest(
        { method, url: req?.url ?? input.toString(), headers, body: stream ? undefined : body },
        { ...options, credentials: c },
      )
      let res: Response | undefined
      let error: unknown
      try {
        res = await (f ?? fetch)(signed.url, {
          ...init,
          method,
          headers: signed.headers,
          body,
          signal,
          ...(stream && { duplex: 'half' }),
        } as RequestInit)
      } catch (e) {
        if (signal?.aborted) throw aborted(signal)
        error = new StsError('NetworkError', 'the request failed', { cause: e })
      }
      if (res && !throttled(res)) return res
      if (attempt >= maxAttempts || stream) return res ?? Promise.reject(error)
      await res?.body?.cancel()
      await backoff(attempt, retryDelayMs, signal)
    }
  }
