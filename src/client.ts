import { EdgeStsError, StsError, invalid } from './errors.ts'
import type { Operation } from './operations.ts'
import { toForm } from './query.ts'
import { signRequest, type Credentials, type SignedRequest } from './sigv4.ts'
import { readStsXml } from './xml.ts'

/** Static credentials, or a function that returns them (e.g. a caching provider). */
export type CredentialsSource = Credentials | (() => Credentials | Promise<Credentials>)

/** How to reach STS and how hard to try. */
export interface StsConfig {
  /** The caller's credentials (not needed for AssumeRoleWithWebIdentity / AssumeRoleWithSAML). */
  credentials?: CredentialsSource
  /**
   * Region of the regional endpoint `https://sts.{region}.amazonaws.com` (`.amazonaws.com.cn` for
   * `cn-*`), also the signing region. `aws-global` means `https://sts.amazonaws.com`, signed for
   * `us-east-1`. Required unless `endpoint` is an AWS STS host that names its region.
   */
  region?: string
  /** An explicit endpoint URL (a VPC endpoint, a proxy, a local STS); `region` is still used for signing. */
  endpoint?: string | URL
  /** Use `sts-fips.{region}.amazonaws.com` (US and GovCloud regions have one). */
  useFipsEndpoint?: boolean
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** Cancels the call: waits, requests and response reading stop at once with code `AbortError`. */
  signal?: AbortSignal
  /** Time limit of each attempt, response body included (default 10000 ms). */
  timeoutMs?: number
  /** Attempts in all, retries included (default 3). */
  maxAttempts?: number
  /** Base of the full-jitter exponential backoff between attempts (default 100 ms; capped at 20 s). */
  retryDelayMs?: number
  /** Largest response read before failing with `ResponseTooLarge` (default 65536 bytes). */
  maxResponseBytes?: number
}

// Clock offsets learned from STS `Date` headers after a clock-skew rejection, per endpoint origin.
const offsets = new Map<string, number>()

const endpointOf = (c: StsConfig): [URL, string] => {
  let r = c.region
  if (r != null && (typeof r != 'string' || !/^[a-z0-9-]+$/.test(r)))
    invalid('region', 'pattern', 'must be an AWS region name such as us-east-1 (lower-case letters, digits and -)')
  if (c.endpoint != null) {
    let url: URL
    try {
      url = new URL(c.endpoint)
    } catch {
      return invalid('endpoint', 'url', 'must be an absolute http(s) URL')
    }
    if (!/^https?:$/.test(url.protocol)) invalid('endpoint', 'url', 'must be an absolute http(s) URL')
    const m = /^sts(?:-fips)?\.(?:([a-z0-9-]+)\.)?amazonaws\.com(?:\.cn)?$/.exec(url.hostname)
    r = r === 'aws-global' ? 'us-east-1' : r ?? (m ? m[1] ?? 'us-east-1' : invalid('region', 'required', 'is required to sign for a custom endpoint'))
    return [url, r]
  }
  if (!r) return invalid('region', 'required', 'is required: give region (e.g. us-east-1, or aws-global) or endpoint')
  if (r == 'aws-global') return [new URL('https://sts.amazonaws.com/'), 'us-east-1']
  if (c.useFipsEndpoint && !/^us-(gov-)?(east|west)-[12]$/.test(r)) invalid('useFipsEndpoint', 'region', 'STS has FIPS endpoints only in US and GovCloud regions')
  return [new URL(`https://sts${c.useFipsEndpoint ? '-fips' : ''}.${r}.amazonaws.com${r.startsWith('cn-') ? '.cn' : ''}/`), r]
}

const aborted = (signal: AbortSignal) =>
  new StsError('AbortError', 'the STS call was aborted', { cause: signal.reason, retryable: false })

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(t)
      signal?.removeEventListener('abort', stop)
    }
    const stop = () => (done(), reject(aborted(signal!)))
    const t = setTimeout(() => (done(), resolve()), ms)
    signal?.addEventListener('abort', stop)
  })

// STS rejects a request signed more than 15 minutes away from its clock with one of these.
const isSkew = (e: StsError) =>
  /^(RequestExpired|RequestTimeTooSkewed|RequestInTheFuture)$/.test(e.code) ||
  (e.code == 'SignatureDoesNotMatch' && /expired|not yet current/i.test(e.message))

/**
 * Runs one STS operation: validate → form body → sign → fetch (retries, timeout, abort, clock skew)
 * → streaming XML extraction. Rejects with {@link StsValidationError} for bad input and config, and
 * with {@link StsError} for everything the service or the network does.
 */
export const call = async <I, O>(op: Operation<I, O>, input: I, config: StsConfig): Promise<O> => {
  op.check(input)
  const c = config ?? invalid('config', 'required', 'is required')
  const [url, region] = endpointOf(c)
  const { signal, maxAttempts = 3, timeoutMs = 10000, retryDelayMs = 100 } = c
  if (!(maxAttempts >= 1 && maxAttempts <= 10 && Number.isInteger(maxAttempts))) invalid('maxAttempts', 'range', 'must be an integer from 1 to 10')
  if (!(timeoutMs > 0)) invalid('timeoutMs', 'range', 'must be a positive number of milliseconds')
  const doFetch = c.fetch ?? fetch
  const body = toForm(op.action, input as object)
  let skewRetried = false
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted(signal)
    let request: SignedRequest<string> = {
      method: 'POST',
      url: url.href,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }
    if (!op.unsigned) {
      let credentials = c.credentials
      if (typeof credentials == 'function') credentials = await credentials()
      request = await signRequest(request, { credentials: credentials!, region, service: 'sts', date: Date.now() + (offsets.get(url.origin) ?? 0) })
    }
    // One controller per attempt: the caller's signal and this attempt's timeout both abort it.
    const ctl = new AbortController()
    const onAbort = () => ctl.abort()
    const timer = setTimeout(onAbort, timeoutMs)
    signal?.addEventListener('abort', onAbort)
    let res: Response | undefined
    try {
      res = await doFetch(request.url, { ...request, signal: ctl.signal } as RequestInit)
      return op.out(await readStsXml(res, op.action, op.paths, { maxBytes: c.maxResponseBytes }))
    } catch (e) {
      const err =
        signal?.aborted ? aborted(signal)
        : ctl.signal.aborted ? new StsError('TimeoutError', `no complete STS response within ${timeoutMs} ms`, { cause: e })
        : e instanceof EdgeStsError ? e
        : new StsError('NetworkError', 'the request to STS failed', { cause: e })
      if (!(err instanceof StsError)) throw err
      const date = Date.parse(res?.headers.get('date') ?? '')
      if (!skewRetried && isSkew(err) && date) {
        offsets.set(url.origin, date - Date.now())
        skewRetried = true
        attempt--
        continue
      }
      if (!err.retryable || attempt >= maxAttempts) throw err
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    await sleep(Math.random() * Math.min(20000, retryDelayMs * 2 ** attempt), signal)
  }
}
