import { call, checkStsConfig, type StsConfig } from './client.ts'
import { EdgeStsError, StsValidationError } from './errors.ts'
import { openSharedCache, type SharedCache, type SharedCacheOptions } from './shared-cache.ts'
import { collect, num, typed } from './validate.ts'
import {
  AssumeRole,
  AssumeRoleWithWebIdentity,
  type AssumeRoleInput,
  type AssumeRoleWithWebIdentityInput,
  type CredentialsOutput,
  type Operation,
  type StsCredentials,
} from './operations.ts'

/** The credential shape of AWS SDK v3 (`AwsCredentialIdentity`) and aws4fetch. */
export interface AwsCredentialIdentity {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** When the credentials stop working. */
  expiration?: Date
}

/** A function that returns fresh credentials: pass it wherever credentials are taken. */
export type CredentialProvider = () => Promise<AwsCredentialIdentity>

/**
 * Credentials as a source may hand them over: `expiration` as a `Date`, an ISO 8601 string (what a
 * JSON or KV round trip leaves) or milliseconds since 1970.
 */
export type CredentialsInput = Omit<AwsCredentialIdentity, 'expiration'> & {
  expiration?: Date | string | number
}

/** How a caching provider refreshes. */
export interface RefreshOptions {
  /** Refresh when the credentials expire within this many milliseconds (default 300000: 5 minutes, as the AWS SDK). */
  refreshWindowMs?: number
  /**
   * Called with what went wrong without failing the call: an early refresh that failed while the
   * cached credentials were still valid (they are returned), and shared-cache store failures.
   */
  onRefreshError?: (error: unknown) => void
  /** The clock, in milliseconds since 1970 (default `Date.now`): pass a fixed one to replay a scenario. */
  now?: () => number
  /**
   * Share the credentials across a fleet of isolates through an encrypted store (Workers KV, a
   * Durable Object, the Cache API, Deno KV): memory → store → STS. Off unless given.
   */
  sharedCache?: SharedCacheOptions
}

/** Converts STS `Credentials` to the SDK's credential shape. */
export const toIdentity = (c: StsCredentials): AwsCredentialIdentity => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  sessionToken: c.SessionToken,
  expiration: c.Expiration,
})

/**
 * The credentials with `expiration` as a valid `Date` (the same object when it already is one).
 * Throws a {@link StsValidationError} (param `expiration`) for anything else: a date that cannot be
 * read must not be taken for "never expires".
 */
const withDateExpiration = (credentials: CredentialsInput): AwsCredentialIdentity => {
  const { expiration } = credentials
  if (expiration === undefined || expiration === null) return credentials as AwsCredentialIdentity
  if (expiration instanceof Date && !Number.isNaN(+expiration))
    return credentials as AwsCredentialIdentity
  let date: Date | undefined
  if (typeof expiration == 'string') date = new Date(expiration)
  if (typeof expiration == 'number') date = new Date(expiration)
  if (!date || Number.isNaN(+date))
    throw new StsValidationError([
      {
        param: 'expiration',
        rule: 'type',
        message:
          'expiration: must be a valid Date, an ISO 8601 date string or milliseconds since 1970',
      },
    ])
  return { ...credentials, expiration: date }
}

const CHECK_INTERVAL_MS = 10000 // how often an instance near its refresh window asks the store

const keyRequired = (reason: string) =>
  new StsValidationError([
    {
      param: 'sharedCache.key',
      rule: 'required',
      message: `sharedCache.key: is required ${reason}: name what shapes the credentials (a role, a tenant, a source identity) so that two of them never share an entry`,
    },
  ])

/** The options every caching provider takes besides the STS config. */
const REFRESH_OPTIONS = ['refreshWindowMs', 'onRefreshError', 'now', 'sharedCache'] as const

/** Checks the types of the refresh options (the shared cache checks its own when it opens). */
const checkRefreshOptions = (options: RefreshOptions) =>
  collect((add) => {
    num(0, 2147483647, true)(options.refreshWindowMs, 'refreshWindowMs', add)
    typed('function')(options.onRefreshError, 'onRefreshError', add)
    typed('function')(options.now, 'now', add)
    typed('object')(options.sharedCache, 'sharedCache', add)
  })

/**
 * Checks a provider's config when the provider is made, not at its first call: unknown options,
 * types and ranges (as every call checks them), and a region or endpoint to send to.
 */
const checkProviderConfig = (config: StsConfig & RefreshOptions) => {
  checkStsConfig(config, REFRESH_OPTIONS)
  checkRefreshOptions(config)
  if (config.region == null && config.endpoint == null)
    throw new StsValidationError([
      {
        param: 'region',
        rule: 'required',
        message: 'region: is required: a region such as us-east-1, aws-global, or an endpoint',
      },
    ])
}

/** The caching engine of every provider: memory → shared store (if any) → `get`. */
const cache = (
  get: () => Promise<CredentialsInput>,
  { refreshWindowMs = 300000, onRefreshError, now = Date.now, sharedCache }: RefreshOptions,
  describe: () => Promise<unknown>,
): CredentialProvider => {
  let current: AwsCredentialIdentity | undefined
  let pending: Promise<AwsCredentialIdentity> | undefined
  let checking: Promise<void> | undefined
  let lastCheck = -Infinity
  const report = (error: unknown) => onRefreshError?.(error)
  const shared = sharedCache && openSharedCache(sharedCache, { refreshWindowMs, now, report })
  // Milliseconds the held credentials stay valid: none held is 0, no expiration is for good.
  const left = () => {
    if (!current) return 0
    if (!current.expiration) return Infinity
    return +current.expiration - now()
  }
  const fromSource = async () => {
    const fresh = withDateExpiration(await get())
    if (fresh.expiration && +fresh.expiration <= now())
      throw new EdgeStsError(
        'ExpiredCredentials',
        `the credential source returned credentials that expired at ${fresh.expiration.toISOString()}`,
      )
    return fresh
  }
  const fetchValid = async () => {
    const fresh = shared ? await shared.fetch(describe, fromSource) : await fromSource()
    current = fresh
    return fresh
  }
  // Valid, near the refresh window, with a shared cache: at most one look at the store per interval;
  // the caller that looks waits for it, the others get the current credentials meanwhile.
  const checkEarly = async (sharedCache: SharedCache, held: AwsCredentialIdentity) => {
    if (!checking && now() - lastCheck >= CHECK_INTERVAL_MS) {
      lastCheck = now()
      checking = sharedCache
        .refreshEarly(describe, fromSource, held)
        .then((newer) => {
          if (newer && +newer.expiration! > +(current?.expiration ?? 0)) current = newer
        }, report)
        .finally(() => (checking = undefined))
      await checking
    }
    return current!
  }
  return async () => {
    const remaining = left()
    const early = shared && current ? shared.earlySpan(current) : 0
    if (remaining > refreshWindowMs + early) return current!
    if (shared && remaining > refreshWindowMs) return checkEarly(shared, current!)
    if (!pending) {
      pending = fetchValid().finally(() => (pending = undefined))
      // Reported once per failed refresh, and only when the cached credentials carry on.
      pending.catch((error) => {
        if (left() > 0) report(error)
      })
    }
    return pending.catch((e) => {
      if (left() > 0) return current!
      throw e
    })
  }
}

/**
 * Caches what `get` returns until it is within `refreshWindowMs` of its `expiration` (a `Date`, an
 * ISO 8601 string or epoch milliseconds; returned as a `Date`). Concurrent callers share one call of
 * `get`; a failure is not cached (the next call tries again); while the cached credentials are still
 * valid a failed early refresh returns them and reports the error to `onRefreshError`; expired
 * credentials are never returned: already expired ones from `get` fail with code
 * `ExpiredCredentials`. With `sharedCache`, `sharedCache.key` must name what `get` returns.
 */
export const cachedProvider = (
  get: () => Promise<CredentialsInput>,
  options: RefreshOptions = {},
): CredentialProvider => {
  checkRefreshOptions(options)
  const key = options.sharedCache?.key
  if (options.sharedCache && (typeof key != 'string' || !key))
    throw keyRequired('with cachedProvider, whose get is opaque')
  return cache(get, options, async () => ({ provider: 'cachedProvider', key }))
}

/** The access key id of the caller's credentials (a provider is asked): part of the cache key. */
const sourceAccessKeyId = async (credentials: StsConfig['credentials']) => {
  if (typeof credentials == 'function') return (await credentials()).accessKeyId
  return credentials?.accessKeyId
}

/** A provider of `operation`'s credentials; `describeInput` tells what of the input shapes them. */
const operationProvider = <I>(
  operation: Operation<I, CredentialsOutput>,
  makeInput: () => I | Promise<I>,
  config: StsConfig & RefreshOptions,
  describeInput: () => unknown,
): CredentialProvider => {
  const { refreshWindowMs, onRefreshError, now, sharedCache, ...sts } = config
  const describe = async () => ({
    operation: operation.action,
    input: await describeInput(),
    region: sts.region,
    endpoint: sts.endpoint === undefined ? undefined : String(sts.endpoint),
    useFipsEndpoint: sts.useFipsEndpoint,
    source: await sourceAccessKeyId(sts.credentials),
    key: sharedCache?.key,
  })
  return cache(
    async () => toIdentity((await call(operation, await makeInput(), sts)).Credentials),
    { refreshWindowMs, onRefreshError, now, sharedCache },
    describe,
  )
}

/** The input without what changes from call to call and does not shape the credentials. */
const withoutMfaCode = (input: object) => {
  const { TokenCode, ...rest } = input as { TokenCode?: unknown }
  return rest
}

/**
 * A caching provider of the credentials of any STS operation that returns them (GetSessionToken,
 * GetFederationToken, AssumeRoleWithSAML, AssumeRoot, ...). `input` may be a function, called for
 * each STS call (to read a fresh token, say); with `sharedCache`, such a function needs
 * `sharedCache.key` to name what it returns.
 */
export const fromOperation = <I>(
  operation: Operation<I, CredentialsOutput>,
  input: I | (() => I | Promise<I>),
  config: StsConfig & RefreshOptions,
): CredentialProvider => {
  checkProviderConfig(config)
  if (typeof input == 'function') {
    if (config?.sharedCache && !config.sharedCache.key)
      throw keyRequired('when the input of fromOperation is a function')
    return operationProvider(operation, input as () => I | Promise<I>, config, () => 'per call')
  }
  operation.check(input)
  return operationProvider(
    operation,
    () => input,
    config,
    () => withoutMfaCode(input as object),
  )
}

/** Input of {@link fromAssumeRole}: AssumeRole's, with a default session name and MFA by callback. */
export type AssumeRoleProviderInput = Omit<AssumeRoleInput, 'RoleSessionName' | 'TokenCode'> & {
  /** Default: `edge-sts-{epoch ms}` of the STS call (read from `now`). */
  RoleSessionName?: string
}

/**
 * A caching provider of AssumeRole credentials. `config.credentials` may itself be a provider, which
 * chains roles (A → B → C), each hop signed with the previous one's session token. With MFA, give
 * `SerialNumber` and `tokenCode`, which is asked only when STS is called.
 *
 * @example
 * const credentials = fromAssumeRole({ RoleArn }, { credentials: { accessKeyId, secretAccessKey }, region: 'us-east-1' })
 * await signRequest(request, { credentials: await credentials(), region: 'us-east-1', service: 's3' })
 */
export const fromAssumeRole = (
  input: AssumeRoleProviderInput,
  {
    tokenCode,
    ...config
  }: StsConfig & RefreshOptions & { tokenCode?: () => string | Promise<string> },
): CredentialProvider => {
  checkProviderConfig(config)
  collect((add) => {
    typed('function')(tokenCode, 'tokenCode', add)
    if (input?.SerialNumber != null && !tokenCode)
      add(
        'tokenCode',
        'required',
        'is required with SerialNumber: a function that returns the MFA code',
      )
  })
  // The input as it will be sent, with stand-ins for what is known only at the call.
  AssumeRole.check({
    RoleSessionName: 'edge-sts-1700000000000',
    ...input,
    ...(tokenCode && { TokenCode: '000000' }),
  })
  return operationProvider(
    AssumeRole,
    async () => ({
      RoleSessionName: `edge-sts-${(config.now ?? Date.now)()}`,
      ...input,
      ...(tokenCode && { TokenCode: await tokenCode() }),
    }),
    config,
    () => ({ ...input, RoleSessionName: input.RoleSessionName ?? 'edge-sts-{epoch ms}' }),
  )
}

/**
 * A caching provider of AssumeRoleWithWebIdentity credentials (GitHub Actions, Vercel, Cloudflare
 * Access, Kubernetes OIDC tokens). `WebIdentityToken` may be a function, called for each STS call.
 */
export const fromWebIdentity = (
  input: Omit<AssumeRoleWithWebIdentityInput, 'RoleSessionName' | 'WebIdentityToken'> & {
    RoleSessionName?: string
    WebIdentityToken: string | (() => string | Promise<string>)
  },
  config: StsConfig & RefreshOptions,
): CredentialProvider => {
  checkProviderConfig(config)
  const { WebIdentityToken } = input ?? {}
  AssumeRoleWithWebIdentity.check({
    RoleSessionName: 'edge-sts-1700000000000',
    ...input,
    WebIdentityToken: typeof WebIdentityToken == 'function' ? 'read-at-call' : WebIdentityToken,
  })
  const token = async () =>
    typeof input.WebIdentityToken == 'function'
      ? await input.WebIdentityToken()
      : input.WebIdentityToken
  return operationProvider(
    AssumeRoleWithWebIdentity,
    async () => ({
      RoleSessionName: `edge-sts-${(config.now ?? Date.now)()}`,
      ...input,
      WebIdentityToken: await token(),
    }),
    config,
    async () => ({
      ...input,
      RoleSessionName: input.RoleSessionName ?? 'edge-sts-{epoch ms}',
      WebIdentityToken: tokenSubject(await token()),
    }),
  )
}

/**
 * Who a web-identity token speaks for: the issuer, subject and audience of a JWT (a fresh token of
 * the same subject names the same entry), or the whole token when it is not a readable JWT.
 */
const tokenSubject = (token: string): unknown => {
  try {
    const payload = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')
    const { iss, sub, aud } = JSON.parse(atob(payload))
    if (typeof iss == 'string' && typeof sub == 'string') return { iss, sub, aud }
  } catch {}
  return { token }
}
