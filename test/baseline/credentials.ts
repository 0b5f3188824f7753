import { call, type StsConfig } from './client.ts'
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

/** How a caching provider refreshes. */
export interface RefreshOptions {
  /** Refresh when the credentials expire within this many milliseconds (default 300000: 5 minutes, as the AWS SDK). */
  refreshWindowMs?: number
  /** Called when an early refresh fails while the cached credentials are still valid (they are returned). */
  onRefreshError?: (error: unknown) => void
}

/** Converts STS `Credentials` to the SDK's credential shape. */
export const toIdentity = (c: StsCredentials): AwsCredentialIdentity => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  sessionToken: c.SessionToken,
  expiration: c.Expiration,
})

/**
 * Caches what `get` returns until it is within `refreshWindowMs` of its `expiration`. Concurrent
 * callers share one call of `get`; a failure is not cached (the next call tries again); while the
 * cached credentials are still valid a failed early refresh returns them and reports the error to
 * `onRefreshError`; expired credentials are never returned.
 */
export const cachedProvider = (
  get: () => Promise<AwsCredentialIdentity>,
  { refreshWindowMs = 300000, onRefreshError }: RefreshOptions = {},
): CredentialProvider => {
  let current: AwsCredentialIdentity | undefined
  let pending: Promise<AwsCredentialIdentity> | undefined
  const left = () =>
    current?.expiration ? +current.expiration - Date.now() : current ? Infinity : 0
  return async () => {
    if (left() > refreshWindowMs) return current!
    if (!pending) {
      pending = get()
        .then((c) => (current = c))
        .finally(() => (pending = undefined))
      // Reported once per failed refresh, and only when the cached credentials carry on.
      pending.catch((e) => left() > 0 && onRefreshError?.(e))
    }
    return pending.catch((e) => {
      if (left() > 0) return current!
      throw e
    })
  }
}

/**
 * A caching provider of the credentials of any STS operation that returns them (GetSessionToken,
 * GetFederationToken, AssumeRoleWithSAML, AssumeRoot, ...). `input` may be a function, called for
 * each STS call (to read a fresh token, say).
 */
export const fromOperation = <I>(
  operation: Operation<I, CredentialsOutput>,
  input: I | (() => I | Promise<I>),
  config: StsConfig & RefreshOptions,
): CredentialProvider => {
  const { refreshWindowMs, onRefreshError, ...sts } = config
  return cachedProvider(
    async () =>
      toIdentity(
        (
          await call(
            operation,
            typeof input == 'function' ? await (input as () => I)() : input,
            sts,
          )
        ).Credentials,
      ),
    { refreshWindowMs, onRefreshError },
  )
}

/** Input of {@link fromAssumeRole}: AssumeRole's, with a default session name and MFA by callback. */
export type AssumeRoleProviderInput = Omit<AssumeRoleInput, 'RoleSessionName' | 'TokenCode'> & {
  /** Default: `edge-sts-{epoch ms}` of the STS call. */
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
): CredentialProvider =>
  fromOperation(
    AssumeRole,
    async () => ({
      RoleSessionName: `edge-sts-${Date.now()}`,
      ...input,
      ...(tokenCode && { TokenCode: await tokenCode() }),
    }),
    config,
  )

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
): CredentialProvider =>
  fromOperation(
    AssumeRoleWithWebIdentity,
    async () => ({
      RoleSessionName: `edge-sts-${Date.now()}`,
      ...input,
      WebIdentityToken:
        typeof input.WebIdentityToken == 'function'
          ? await input.WebIdentityToken()
          : input.WebIdentityToken,
    }),
    config,
  )
