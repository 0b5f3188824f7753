import { EdgeStsError, StsError, invalid } from './errors.ts'
import type { Operation } from './operations.ts'
import { toForm } from './query.ts'
import { FORM, STS_SHAPED_CREDENTIALS, signForm, type Credentials } from './sigv4.ts'
import { readStsXml } from './xml.ts'
import { uriEncode } from './encode.ts'
import { collect, num, req, str, typed, validate, wrongType, type Check } from './validate.ts'

/** Static credentials, or a function that returns them (e.g. a caching provider). */
export type CredentialsSource = Credentials | (() => Credentials | Promise<Credentials>)

/** How to reach STS and how hard to try. */
export interface StsConfig {
  /** The caller's credentials (not needed for AssumeRoleWithWebIdentity / AssumeRoleWithSAML). */
  credentials?: CredentialsSource | undefined
  /**
   * Region of the regional endpoint `https://sts.{region}.amazonaws.com` (`.amazonaws.com.cn` for
   * `cn-*`), also the signing region. `aws-global` means `https://sts.amazonaws.com`, signed for
   * `us-east-1`. Required unless `endpoint` is an AWS STS host that names its region.
   */
  region?: string | undefined
  /**
   * An explicit endpoint URL (a VPC endpoint, a proxy, a local STS); `region` is still used for
   * signing.
   */
  endpoint?: string | URL | undefined
  /** Use `sts-fips.{region}.amazonaws.com` (US and GovCloud regions have one). */
  useFipsEndpoint?: boolean | undefined
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch | undefined
  /**
   * Cancels the call: waits, requests and response reading stop at once with code `AbortError`.
   * `AbortSignal.timeout(ms)` is an overall deadline for the call, retries and backoff included.
   */
  signal?: AbortSignal | undefined
  /**
   * Time limit of each attempt, from sending the request to the last byte of the response (default
   * 10000 ms). A call takes at most about `maxAttempts` × `timeoutMs` plus the backoff waits.
   */
  timeoutMs?: number | undefined
  /** Attempts in all, retries included: 1 to 10 (default 3). */
  maxAttempts?: number | undefined
  /**
   * Base of the full-jitter exponential backoff between attempts (default 100 ms; each wait is
   * capped at 20 s).
   */
  retryDelayMs?: number | undefined
  /** Largest response read before failing with `ResponseTooLarge` (default 65536 bytes). */
  maxResponseBytes?: number | undefined
}

/** @internal A non-empty string, as the signer requires of keys, region and service. */
export const nonEmpty: Check = (value, param, add) => {
  if (!value || typeof value != 'string') add(param, 'required', 'must be a non-empty string')
}

/**
 * @internal Static credentials in the SDK's shape (`accessKeyId`, `secretAccessKey`, optional
 * `sessionToken`; other keys such as `expiration` pass), naming the likely mistake otherwise.
 */
export const identity: Check = (value, param, add) => {
  if (typeof value != 'object') {
    wrongType(value, param, add, '{ accessKeyId, secretAccessKey } or a provider function')
  } else if (Object.hasOwn(value, 'AccessKeyId')) {
    add(param, 'type', STS_SHAPED_CREDENTIALS)
  } else {
    nonEmpty(value.accessKeyId, param + '.accessKeyId', add)
    nonEmpty(value.secretAccessKey, param + '.secretAccessKey', add)
    str(0, Infinity)(value.sessionToken, param + '.sessionToken', add)
  }
}

/** @internal Static credentials or a provider function. */
export const credentialsSource: Check = (value, param, add) => {
  if (value != null && typeof value != 'function') identity(value, param, add)
}

/** @internal The options of retrying calls, shared by the STS client and createSignedFetch. */
export const retryOptions = (): Record<string, Check> => ({
  credentials: credentialsSource,
  fetch: typed('function'),
  // setTimeout fires at once for delays past 2^31 - 1 ms.
  timeoutMs: num(1, 2147483647, true),
  maxAttempts: num(1, 10),
  retryDelayMs: num(0, 2147483647, true),
})

// The AWS SDK's options most often carried over, and ours that do their job.
const SDK_NAMES: Record<string, string> = { maxRetries: 'maxAttempts', requestHandler: 'fetch' }

/**
 * @internal Checks an options object against `spec` and throws one {@link StsValidationError}
 * listing every broken rule, unknown options included (with the likely meant name as a hint).
 * `name` names the object in messages.
 */
export const checkOptions = (options: any, spec: Record<string, Check>, name: string): void => {
  if (options == null) throw invalid(name, 'required', 'is required')
  if (Object.hasOwn(options, 'middlewareStack'))
    throw invalid(
      name,
      'type',
      'is an AWS SDK client: give a config such as { region, credentials }',
    )
  validate(options, spec, undefined, name, `is not an option of ${name}`, SDK_NAMES)
}

const ignored: Check = () => {}

const regionName: Check = (value, param, add) => {
  if (value == null) return
  if (typeof value != 'string') wrongType(value, param, add, 'a string')
  else if (!/^[a-z0-9-]{1,64}$/.test(value))
    add(param, 'pattern', 'must be a region name such as us-east-1')
}

/**
 * @internal Checks an {@link StsConfig} the way every call does, so that a provider can check its
 * config when it is made: each option's type and range, credentials in the SDK's shape, unknown
 * options rejected. `also` names further options the caller takes out itself (e.g.
 * `refreshWindowMs`).
 */
export const checkStsConfig = (config: unknown, also: readonly string[] = []): void => {
  const spec: Record<string, Check> = {
    ...retryOptions(),
    signal: typed('object', 'an AbortSignal'),
    region: regionName,
    endpoint: ignored,
    useFipsEndpoint: typed('boolean'),
    maxResponseBytes: num(1, 2 ** 30),
  }
  for (const option of also) spec[option] = ignored
  checkOptions(config, spec, 'config')
}

// Clock offsets learned from STS `Date` headers after a clock-skew rejection, per endpoint origin.
const offsets = new Map<string, number>()

const STS_HOST = /^sts(-fips)?\.(([a-z0-9-]+)\.)?amazonaws\.com(\.cn)?$/

// The signing region of an explicit endpoint: the config's, else the one an AWS STS host names.
const signingRegionOf = (url: URL, region: string | undefined): string => {
  if (region == 'aws-global') return 'us-east-1'
  if (region) return region
  const host = STS_HOST.exec(url.hostname)
  if (!host) throw invalid('region', 'required', 'is required to sign for a custom endpoint')
  return host[3] ?? 'us-east-1'
}

const parseEndpoint = (endpoint: string | URL): URL => {
  let url: URL | undefined
  try {
    url = new URL(endpoint)
  } catch {}
  // STS takes its parameters in the body: a query on the endpoint is a mistake, and signForm signs
  // none.
  if (!url || !/^https?:$/.test(url.protocol) || url.search)
    throw invalid('endpoint', 'url', 'must be an absolute http(s) URL without a query')
  return url
}

/** The endpoint URL and signing region of a (checked) config. */
const endpointOf = (config: StsConfig): [URL, string] => {
  const { region, endpoint } = config
  if (endpoint != null) {
    const url = parseEndpoint(endpoint)
    return [url, signingRegionOf(url, region)]
  }
  if (!region)
    throw invalid(
      'region',
      'required',
      'is required: a region such as us-east-1, aws-global, or an endpoint',
    )
  let host = 'sts'
  // Checked before aws-global: the global endpoint has no FIPS variant either.
  if (config.useFipsEndpoint) {
    if (!/^us-(gov-)?(east|west)-[12]$/.test(region))
      throw invalid(
        'useFipsEndpoint',
        'region',
        'STS has FIPS endpoints in US and GovCloud regions only',
      )
    host = 'sts-fips'
  }
  if (region == 'aws-global') return [new URL('https://sts.amazonaws.com/'), 'us-east-1']
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'
  return [new URL(`https://${host}.${region}.${domain}/`), region]
}

/**
 * @internal The full-jitter backoff wait before attempt `attempt + 1`; it ends early, with
 * AbortError, when the caller aborts.
 */
export const backoff = (
  attempt: number,
  base: number,
  signal?: AbortSignal | null,
): Promise<void> => sleep(Math.random() * Math.min(20000, base * 2 ** attempt), signal)

const sleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer)
      reject(aborted(signal!))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop)
      resolve()
    }, ms)
    signal?.addEventListener('abort', stop, { once: true })
  })

// An error whose text quotes a secret is made again without it (the stack holds the first message).
/** @internal */
export const redact = (error: StsError, secrets: (string | undefined)[]): StsError => {
  let message = error.message
  for (const secret of secrets)
    if (secret && secret.length > 3) message = message.split(secret).join('[redacted]')
  if (message == error.message) return error
  return new StsError(error.code, message, {
    type: error.type,
    requestId: error.requestId,
    status: error.status,
    retryable: error.retryable,
  })
}

/** @internal */
export const aborted = (signal: AbortSignal): StsError =>
  new StsError('AbortError', 'the call was aborted', { cause: signal.reason, retryable: false })

/**
 * @internal What a failed fetch says happened: the innermost cause (fetch's own error says only
 * "fetch failed"; Node's reason, e.g. `getaddrinfo ENOTFOUND …`, is one or two causes down).
 */
export const reasonOf = (error: unknown): string => {
  let inner: any = error
  for (let depth = 0; depth < 8 && inner?.cause != null; depth++) inner = inner.cause
  return String(inner?.message || inner?.code || inner)
}

/** @internal The error of a request that got no response: the host and the underlying reason. */
export const unreachable = (host: string, error: unknown): StsError =>
  new StsError('NetworkError', `could not reach ${host}: ${reasonOf(error)}`, { cause: error })

/**
 * @internal Credentials from a source: static ones as they are (checked with the config), a
 * provider's result checked each time (a provider returning STS Credentials is a likely mistake).
 */
export const resolveCredentials = async (source: CredentialsSource | undefined) => {
  if (typeof source != 'function') return source!
  const resolved = await source()
  collect((add) => req(identity)(resolved, 'credentials()', add))
  return resolved
}

// Rejected for its time (signed more than 15 minutes away from STS's clock).
const isClockSkew = (error: StsError): boolean =>
  /^(RequestExpired|RequestTimeTooSkewed|RequestInTheFuture)$/.test(error.code) ||
  (error.code == 'SignatureDoesNotMatch' && /expired|not yet current/i.test(error.message))

// The input's secrets, raw and form-encoded: what a server (or a proxy) must not get to echo into an
// error message.
const inputSecrets = (input: unknown): string[] => {
  const { TokenCode, WebIdentityToken, SAMLAssertion, TradeInToken } = input as Record<
    string,
    string | undefined
  >
  const secrets: string[] = []
  for (const secret of [TokenCode, WebIdentityToken, SAMLAssertion, TradeInToken])
    if (secret) secrets.push(secret, uriEncode(secret))
  return secrets
}

/** What a failed attempt that was not aborted nor timed out reports. */
const failureOf = (error: unknown, response: Response | undefined, host: string): StsError => {
  if (error instanceof StsError) return error
  if (error instanceof EdgeStsError) throw error
  if (!response) return unreachable(host, error)
  return new StsError(
    'NetworkError',
    `reading the response of ${host} failed: ${reasonOf(error)}`,
    {
      cause: error,
      status: response.status,
    },
  )
}

/**
 * Runs one STS operation: validate → form body → sign → fetch (retries, timeout, abort, clock skew)
 * → streaming XML extraction. Rejects with {@link StsValidationError} for bad input and config, and
 * with {@link StsError} for everything the service or the network does.
 */
export const call = async <I, O>(
  operation: Operation<I, O>,
  input: I,
  config: StsConfig,
): Promise<O> => {
  operation.check(input)
  checkStsConfig(config)
  const [url, region] = endpointOf(config)
  const { signal, maxAttempts = 3, timeoutMs = 10000, retryDelayMs = 100 } = config
  const body = toForm(operation.action, (input ?? {}) as object)
  const secrets: (string | undefined)[] = inputSecrets(input)
  let skewed = false
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted(signal)
    let headers: Record<string, string> = { 'content-type': FORM }
    if (!operation.unsigned) {
      const credentials = await resolveCredentials(config.credentials)
      const offset = offsets.get(url.origin) ?? 0
      headers = await signForm(url, body, credentials, region, Date.now() + offset)
      // The token as sent (trimmed): what a server can echo.
      secrets.push(
        credentials.secretAccessKey,
        headers['x-amz-security-token'],
        headers.authorization!.slice(-64),
      )
    }
    // Checked after signing, which awaits: an abort during it has no listener to stop the fetch.
    if (signal?.aborted) throw aborted(signal)
    // One controller per attempt: the caller's signal and this attempt's timeout both abort it.
    const controller = new AbortController()
    const stop = () => controller.abort()
    const timer = setTimeout(stop, timeoutMs)
    signal?.addEventListener('abort', stop)
    let response: Response | undefined
    try {
      response = await (config.fetch ?? fetch)(url.href, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      })
      const fields = await readStsXml(response, operation.action, operation.paths, {
        maxBytes: config.maxResponseBytes,
      })
      return operation.out(fields)
    } catch (error) {
      if (signal?.aborted) throw aborted(signal)
      let failure: StsError
      if (controller.signal.aborted) {
        const limit = `within timeoutMs (${timeoutMs} ms) on attempt ${attempt} of ${maxAttempts}`
        failure = new StsError('TimeoutError', `no complete STS response ${limit}`, {
          cause: error,
        })
      } else {
        failure = redact(failureOf(error, response, url.host), secrets)
      }
      // Rejected for its time: learn the clock offset from the response's Date header and sign
      // again, once.
      const date = Date.parse(response?.headers.get('date')!)
      if (!skewed && date && isClockSkew(failure)) {
        offsets.set(url.origin, date - Date.now())
        skewed = true
        attempt--
        continue
      }
      if (!failure.retryable || attempt >= maxAttempts) throw failure
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', stop)
    }
    await backoff(attempt, retryDelayMs, signal)
  }
}
