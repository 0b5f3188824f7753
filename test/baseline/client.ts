import { EdgeStsError, StsError, invalid } from './errors.ts'
import type { Operation } from './operations.ts'
import { toForm } from './query.ts'
import { FORM, signForm, type Credentials } from './sigv4.ts'
import { readStsXml } from './xml.ts'
import { uriEncode } from './encode.ts'

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
  let { region: r, endpoint: e, useFipsEndpoint: fips } = c
  if (r != null && !/^[a-z0-9-]+$/.test(r))
    invalid('region', 'pattern', 'must be a region name such as us-east-1')
  if (e != null) {
    let url: URL | undefined
    try {
      url = new URL(e)
    } catch {}
    // STS takes its parameters in the body: a query on the endpoint is a mistake, and signForm signs none.
    if (!/^https?:$/.test(url?.protocol!) || url!.search)
      invalid('endpoint', 'url', 'must be an absolute http(s) URL without a query')
    const m = /^sts(-fips)?\.(([a-z0-9-]+)\.)?amazonaws\.com(\.cn)?$/.exec(url!.hostname)
    return [
      url!,
      r == 'aws-global'
        ? 'us-east-1'
        : (r ??
          (m
            ? (m[3] ?? 'us-east-1')
            : invalid('region', 'required', 'is required to sign for a custom endpoint'))),
    ]
  }
  if (!r)
    return invalid(
      'region',
      'required',
      'is required: a region such as us-east-1, aws-global, or an endpoint',
    )
  if (fips && !/^us-(gov-)?(east|west)-[12]$/.test(r))
    invalid('useFipsEndpoint', 'region', 'STS has FIPS endpoints in US and GovCloud regions only')
  return r == 'aws-global'
    ? [new URL('https://sts.amazonaws.com/'), 'us-east-1']
    : [
        new URL(
          `https://sts${fips ? '-fips' : ''}.${r}.amazonaws.com${r.startsWith('cn-') ? '.cn' : ''}/`,
        ),
        r,
      ]
}

/** @internal The full-jitter backoff wait before attempt `attempt + 1`; it ends early, with AbortError, when the caller aborts. */
export const backoff = (attempt: number, base: number, signal?: AbortSignal | null) =>
  sleep(Math.random() * Math.min(20000, base * 2 ** attempt), signal ?? undefined)

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const stop = () => {
      clearTimeout(t)
      reject(aborted(signal!))
    }
    const t = setTimeout(() => (signal?.removeEventListener('abort', stop), resolve()), ms)
    signal?.addEventListener('abort', stop, { once: true })
  })

// An error whose text quotes a secret is made again without it (the stack holds the first message).
const redact = (e: StsError, secrets: (string | undefined)[]) => {
  const message = secrets.reduce(
    (t: string, s) => (s && s.length > 3 ? t.split(s).join('[redacted]') : t),
    e.message,
  )
  return message == e.message
    ? e
    : new StsError(e.code, message, {
        type: e.type,
        requestId: e.requestId,
        status: e.status,
        retryable: e.retryable,
      })
}

/** @internal */
export const aborted = (signal: AbortSignal) =>
  new StsError('AbortError', 'the call was aborted', { cause: signal.reason, retryable: false })

/**
 * Runs one STS operation: validate → form body → sign → fetch (retries, timeout, abort, clock skew)
 * → streaming XML extraction. Rejects with {@link StsValidationError} for bad input and config, and
 * with {@link StsError} for everything the service or the network does.
 */
export const call = async <I, O>(op: Operation<I, O>, input: I, c: StsConfig): Promise<O> => {
  op.check(input)
  const [url, region] = endpointOf(c ?? invalid('config', 'required', 'is required'))
  const { signal, maxAttempts = 3, timeoutMs = 10000, retryDelayMs = 100 } = c
  if (!(maxAttempts >= 1 && maxAttempts <= 10 && maxAttempts % 1 == 0))
    invalid('maxAttempts', 'range', 'must be an integer from 1 to 10')
  if (!(timeoutMs > 0)) invalid('timeoutMs', 'range', 'must be a positive number of milliseconds')
  const body = toForm(op.action, (input ?? {}) as object)
  let skewed = false
  // What a server (or a proxy) must not get to echo into an error message: the input's secrets, raw and form-encoded.
  const { TokenCode, WebIdentityToken, SAMLAssertion, TradeInToken } = input as Record<
    string,
    string | undefined
  >
  const secrets: (string | undefined)[] = [
    TokenCode,
    WebIdentityToken,
    SAMLAssertion,
    TradeInToken,
  ].flatMap((v) => (v ? [v, uriEncode(v)] : []))
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted(signal)
    let headers: Record<string, string> = { 'content-type': FORM }
    if (!op.unsigned) {
      const credentials =
        typeof c.credentials == 'function' ? await c.credentials() : c.credentials!
      headers = await signForm(
        url,
        body,
        credentials,
        region,
        Date.now() + (offsets.get(url.origin) ?? 0),
      )
      // The token as sent (trimmed): what a server can echo.
      secrets.push(
        credentials.secretAccessKey,
        headers['x-amz-security-token'],
        headers.authorization!.slice(-64),
      )
    }
    // One controller per attempt: the caller's signal and this attempt's timeout both abort it.
    const ctl = new AbortController()
    const stop = () => ctl.abort()
    const timer = setTimeout(stop, timeoutMs)
    signal?.addEventListener('abort', stop)
    let res: Response | undefined
    try {
      res = await (c.fetch ?? fetch)(url.href, {
        method: 'POST',
        headers,
        body,
        signal: ctl.signal,
      })
      return op.out(await readStsXml(res, op.action, op.paths, { maxBytes: c.maxResponseBytes }))
    } catch (e) {
      const err = signal?.aborted
        ? aborted(signal)
        : ctl.signal.aborted
          ? new StsError('TimeoutError', `no complete STS response within ${timeoutMs} ms`, {
              cause: e,
            })
          : e instanceof StsError
            ? redact(e, secrets)
            : e instanceof EdgeStsError
              ? e
              : new StsError('NetworkError', 'the request to STS failed', { cause: e })
      if (!(err instanceof StsError)) throw err
      // Rejected for its time (signed more than 15 minutes away from STS's clock): learn the offset
      // from the response's Date header and sign again, once.
      const date = Date.parse(res?.headers.get('date')!)
      if (
        !skewed &&
        date &&
        (/^(RequestExpired|RequestTimeTooSkewed|RequestInTheFuture)$/.test(err.code) ||
          (err.code == 'SignatureDoesNotMatch' && /expired|not yet current/i.test(err.message)))
      ) {
        offsets.set(url.origin, date - Date.now())
        skewed = true
        attempt--
        continue
      }
      if (!err.retryable || attempt >= maxAttempts) throw err
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', stop)
    }
    await backoff(attempt, retryDelayMs, signal)
  }
}
