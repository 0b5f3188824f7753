// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// IAM Identity Center (SSO): the token `aws sso login` cached in ~/.aws/sso/cache, refreshed
// through SSO OIDC CreateToken when it can be, traded for role credentials on the SSO portal.
import { readFile as readTextFile, rename, rm, writeFile as writeTextFile } from 'node:fs/promises'
import { posix, win32 } from 'node:path'
import { platform as osPlatform } from 'node:os'
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import { CredentialsError } from './errors.ts'
import type { SourceOptions } from './options.ts'
import type { NodeCredentialIdentity, NodeCredentialProvider } from './provider.ts'
import { ssoSource, type BaseSource } from './profile-chain.ts'
import {
  configuredEndpoint,
  endpointVariant,
  homeDirectory,
  loadSharedConfigFiles,
  requireProfile,
  selectedProfileName,
  serviceEndpoint,
  type ParsedProfileFile,
} from './shared-files.ts'

/** The SSO settings of a profile, as {@link resolveSsoCredentials} takes them. */
export type SsoSettings = Extract<BaseSource, { type: 'Sso' }>

/** Options of {@link fromSSO} (the explicit settings have the AWS SDK v3 names). */
export interface FromSsoOptions extends SourceOptions, RefreshOptions {
  /** The profile with the SSO settings (default: `AWS_PROFILE`, else `default`). */
  profile?: string
  /** Explicit settings instead of a profile's: all of start URL, region, account and role. */
  ssoStartUrl?: string
  ssoRegion?: string
  ssoAccountId?: string
  ssoRoleName?: string
  /** The `sso-session` name (the token cache key, and refresh through SSO OIDC). */
  ssoSession?: string
  /**
   * Writes the refreshed token cache (default: a temporary file with mode 0600 renamed over the
   * cache file, so that readers never see half a file).
   */
  writeFile?: (path: string, text: string) => Promise<void>
  /** Time limit of each request to the SSO portal and SSO OIDC (default 10000 ms). */
  timeoutMs?: number
  /** Cancels the requests to the SSO portal and SSO OIDC. */
  signal?: AbortSignal
}

/** What {@link resolveSsoCredentials} needs besides the settings. */
export interface SsoContext extends Omit<FromSsoOptions, 'profile'> {
  /** The parsed files (for configured endpoints); loaded when absent. */
  files?: ParsedProfileFile
  /** The profile that was selected (for messages and configured endpoints). */
  profileName: string
}

/** The token cache entry of `aws sso login` (field names as the AWS CLI writes them). */
interface SsoTokenCache {
  accessToken: string
  expiresAt: string
  refreshToken?: string
  clientId?: string
  clientSecret?: string
  registrationExpiresAt?: string
  region?: string
  startUrl?: string
  [other: string]: unknown
}

/** Refresh the SSO token when it expires within this window (the AWS SDKs' 5 minutes). */
const TOKEN_REFRESH_WINDOW_MS = 5 * 60 * 1000
const DEFAULT_TIMEOUT_MS = 10000
const MAX_ATTEMPTS = 3

const ssoError = (
  code: 'SsoTokenMissing' | 'TokenExpired' | 'SsoFailed' | 'InvalidProfile' | 'EndpointUnreachable',
  message: string,
  cause?: unknown,
): CredentialsError => new CredentialsError(code, message, { cause })

const loginHint = (settings: SsoSettings): string => {
  if (settings.ssoSession !== undefined) return `aws sso login --sso-session ${settings.ssoSession}`
  return `aws sso login --profile ${settings.profile}`
}

/** Whose token it is, for messages: the sso-session, or the legacy profile. */
const tokenOwner = (settings: SsoSettings): string => {
  if (settings.ssoSession !== undefined) return `sso-session \`${settings.ssoSession}\``
  return `profile \`${settings.profile}\``
}

const hexOf = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')

const hexSha1 = async (text: string): Promise<string> => {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text))
  return hexOf(new Uint8Array(digest))
}

/**
 * The path of the cached token: `~/.aws/sso/cache/<SHA-1 of the session name>.json`, or of the
 * start URL for legacy profiles without `sso_session`.
 */
export const ssoTokenCachePath = async (
  settings: Pick<SsoSettings, 'ssoSession' | 'ssoStartUrl'>,
  options: SourceOptions & { platform?: string } = {},
): Promise<string> => {
  const platform = options.platform ?? osPlatform()
  const path = platform === 'win32' || platform === 'windows' ? win32 : posix
  const key = await hexSha1(settings.ssoSession ?? settings.ssoStartUrl)
  return path.join(homeDirectory(options), '.aws', 'sso', 'cache', `${key}.json`)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const readTokenCache = async (
  settings: SsoSettings,
  path: string,
  read: (path: string) => Promise<string>,
): Promise<SsoTokenCache> => {
  let text: string
  try {
    text = await read(path)
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    throw ssoError(
      'SsoTokenMissing',
      `No cached SSO token for ${tokenOwner(settings)}: failed to read \`${path}\` (${typeof code === 'string' ? code : 'read failed'}). Run \`${loginHint(settings)}\``,
      error,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (
    !isObject(parsed) ||
    typeof parsed.accessToken !== 'string' ||
    parsed.accessToken === '' ||
    typeof parsed.expiresAt !== 'string' ||
    Number.isNaN(Date.parse(parsed.expiresAt))
  )
    throw ssoError(
      'SsoTokenMissing',
      `The cached SSO token \`${path}\` is not valid (it needs accessToken and expiresAt). Run \`${loginHint(settings)}\``,
    )
  return parsed as SsoTokenCache
}

/** Writes a file atomically: a 0600 temporary file in the same folder, then a rename over it. */
const writeAtomically = async (path: string, text: string): Promise<void> => {
  const suffix = hexOf(crypto.getRandomValues(new Uint8Array(6)))
  const temporary = `${path}.${suffix}.tmp`
  try {
    await writeTextFile(temporary, text, { mode: 0o600, flag: 'wx' })
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** Waits `ms`, or less when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })

const abortedError = (what: string, signal: AbortSignal): CredentialsError =>
  ssoError('EndpointUnreachable', `${what}: the request was aborted`, signal.reason)

/**
 * A fetch with a time limit per attempt, retried on network faults, 429 and 5xx (full-jitter
 * backoff), stopped at once by `signal`.
 */
const fetchWithRetries = async (
  fetchFunction: typeof fetch,
  url: string,
  init: RequestInit,
  limits: { timeoutMs: number; signal?: AbortSignal },
  what: string,
): Promise<Response> => {
  const { timeoutMs, signal } = limits
  let lastError: unknown
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(Math.random() * 100 * 2 ** attempt, signal)
    if (signal?.aborted) throw abortedError(what, signal)
    const controller = new AbortController()
    const stop = () => controller.abort()
    const timer = setTimeout(stop, timeoutMs)
    signal?.addEventListener('abort', stop, { once: true })
    try {
      const response = await fetchFunction(url, { ...init, signal: controller.signal })
      const retryable = response.status === 429 || response.status >= 500
      if (!retryable || attempt === MAX_ATTEMPTS - 1) return response
      await response.body?.cancel()
    } catch (error) {
      if (signal?.aborted) throw abortedError(what, signal)
      lastError = error
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', stop)
    }
  }
  throw ssoError(
    'EndpointUnreachable',
    `${what} did not answer after ${MAX_ATTEMPTS} attempts (time limit ${timeoutMs} ms each): check the network and the endpoint`,
    lastError,
  )
}

// What a failed response may tell: its status and error type, never its body (it may echo input).
const describeFailure = (response: Response): string => {
  const type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? ''
  const safeType = /^[\w.-]{1,64}$/.test(type) ? ` ${type}` : ''
  return `HTTP ${response.status}${safeType}`
}

const readJson = async (response: Response): Promise<unknown> => {
  try {
    return await response.json()
  } catch {
    return undefined
  }
}

interface SsoClientContext {
  fetch: typeof fetch
  timeoutMs: number
  signal?: AbortSignal
  files: ParsedProfileFile
  profileName: string
  env: Record<string, string | undefined>
}

const endpointOf = (
  context: SsoClientContext,
  region: string,
  service: { environment: string; profile: string; prefix: string },
): string => {
  const configured = configuredEndpoint(context.files, context.profileName, context.env, service)
  const endpoint =
    configured ??
    serviceEndpoint(
      service.prefix,
      region,
      endpointVariant(context.files, context.profileName, context.env),
    )
  return endpoint.replace(/\/+$/, '')
}

/** SSO OIDC CreateToken with the refresh token; returns the updated cache entry. */
const refreshToken = async (
  settings: SsoSettings,
  cache: SsoTokenCache,
  context: SsoClientContext,
  now: number,
): Promise<SsoTokenCache> => {
  const url = `${endpointOf(context, settings.ssoRegion, { environment: 'SSO_OIDC', profile: 'sso_oidc', prefix: 'oidc' })}/token`
  const response = await fetchWithRetries(
    context.fetch,
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientId: cache.clientId,
        clientSecret: cache.clientSecret,
        refreshToken: cache.refreshToken,
        grantType: 'refresh_token',
      }),
    },
    { timeoutMs: context.timeoutMs, signal: context.signal },
    'SSO OIDC (CreateToken)',
  )
  const body = await readJson(response)
  if (!response.ok)
    throw ssoError(
      'SsoFailed',
      `SSO OIDC refused to refresh the token of sso-session \`${settings.ssoSession}\` (${describeFailure(response)}). Run \`${loginHint(settings)}\``,
    )
  if (
    !isObject(body) ||
    typeof body.accessToken !== 'string' ||
    body.accessToken === '' ||
    typeof body.expiresIn !== 'number'
  )
    throw ssoError(
      'SsoFailed',
      'SSO OIDC answered CreateToken without accessToken and expiresIn: check the SSO OIDC endpoint',
    )
  const refreshed: SsoTokenCache = {
    ...cache,
    accessToken: body.accessToken,
    expiresAt: new Date(now + body.expiresIn * 1000).toISOString(),
  }
  if (typeof body.refreshToken === 'string' && body.refreshToken !== '')
    refreshed.refreshToken = body.refreshToken
  return refreshed
}

const canRefresh = (cache: SsoTokenCache, now: number): boolean => {
  const registrationEnd =
    typeof cache.registrationExpiresAt === 'string'
      ? Date.parse(cache.registrationExpiresAt)
      : Number.NaN
  return (
    typeof cache.refreshToken === 'string' &&
    cache.refreshToken !== '' &&
    typeof cache.clientId === 'string' &&
    typeof cache.clientSecret === 'string' &&
    !(registrationEnd <= now)
  )
}

/** The access token to use: the cached one, refreshed when near expiry and possible. */
const usableAccessToken = async (
  settings: SsoSettings,
  context: SsoClientContext & Pick<FromSsoOptions, 'readFile' | 'writeFile' | 'homedir'>,
  now: number,
): Promise<string> => {
  const path = await ssoTokenCachePath(settings, { ...context, env: context.env })
  const read = context.readFile ?? ((file: string) => readTextFile(file, 'utf8'))
  const cache = await readTokenCache(settings, path, read)
  const expiresAt = Date.parse(cache.expiresAt)
  if (expiresAt - now > TOKEN_REFRESH_WINDOW_MS) return cache.accessToken
  // As the JS SDK: only sso-session tokens are refreshed; legacy ones need a new login.
  if (settings.ssoSession !== undefined && canRefresh(cache, now)) {
    try {
      const refreshed = await refreshToken(settings, cache, context, now)
      const write = context.writeFile ?? writeAtomically
      try {
        await write(path, JSON.stringify(refreshed, null, 2))
      } catch {
        // The refreshed token still works for this process; the next login rewrites the cache.
      }
      return refreshed.accessToken
    } catch (error) {
      // A token that has not expired yet is still good for what remains of it.
      if (expiresAt > now) return cache.accessToken
      throw error
    }
  }
  if (expiresAt > now) return cache.accessToken
  throw ssoError(
    'TokenExpired',
    `The cached SSO token of ${tokenOwner(settings)} expired at ${new Date(expiresAt).toISOString()}. Run \`${loginHint(settings)}\``,
  )
}

/**
 * Role credentials for SSO settings: reads the cached token (refreshing it through SSO OIDC
 * CreateToken when it expires within 5 minutes and the cache holds a refresh token and a client
 * registration; the cache is then written back atomically), then calls `GetRoleCredentials` on the
 * SSO portal. Rejects with a {@link CredentialsError}: `InvalidProfile` (no account and role: the
 * profile is for an SSO access token), `SsoTokenMissing`, `TokenExpired`, `SsoFailed`,
 * `EndpointUnreachable`. No token ever appears in a message.
 */
export const resolveSsoCredentials = async (
  settings: SsoSettings,
  context: SsoContext,
): Promise<NodeCredentialIdentity> => {
  if (settings.ssoAccountId === undefined || settings.ssoRoleName === undefined)
    throw ssoError(
      'InvalidProfile',
      `Profile \`${settings.profile}\` has SSO settings without sso_account_id and sso_role_name, so the selected profile will resolve an access token instead of credentials: add sso_account_id and sso_role_name`,
    )
  const env = context.env ?? process.env
  const clientContext = {
    ...context,
    env,
    fetch: context.fetch ?? fetch,
    timeoutMs: context.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    files: context.files ?? (await loadSharedConfigFiles(context)),
  }
  const now = (context.now ?? Date.now)()
  const accessToken = await usableAccessToken(settings, clientContext, now)
  const portal = endpointOf(clientContext, settings.ssoRegion, {
    environment: 'SSO',
    profile: 'sso',
    prefix: 'portal.sso',
  })
  const query = new URLSearchParams({
    role_name: settings.ssoRoleName,
    account_id: settings.ssoAccountId,
  })
  const response = await fetchWithRetries(
    clientContext.fetch,
    `${portal}/federation/credentials?${query}`,
    { method: 'GET', headers: { 'x-amz-sso_bearer_token': accessToken } },
    { timeoutMs: clientContext.timeoutMs, signal: clientContext.signal },
    'The SSO portal (GetRoleCredentials)',
  )
  const body = await readJson(response)
  if (!response.ok)
    throw ssoError(
      'SsoFailed',
      `The SSO portal refused role \`${settings.ssoRoleName}\` in account ${settings.ssoAccountId} (${describeFailure(response)}): check sso_account_id and sso_role_name, or run \`${loginHint(settings)}\``,
    )
  const role = isObject(body) ? body.roleCredentials : undefined
  if (
    !isObject(role) ||
    typeof role.accessKeyId !== 'string' ||
    role.accessKeyId === '' ||
    typeof role.secretAccessKey !== 'string' ||
    role.secretAccessKey === '' ||
    typeof role.sessionToken !== 'string' ||
    typeof role.expiration !== 'number'
  )
    throw ssoError(
      'SsoFailed',
      'The SSO portal answered GetRoleCredentials without complete roleCredentials: check the SSO endpoint',
    )
  return {
    accessKeyId: role.accessKeyId,
    secretAccessKey: role.secretAccessKey,
    sessionToken: role.sessionToken,
    expiration: new Date(role.expiration),
    accountId: settings.ssoAccountId,
  }
}

const explicitSettings = (options: FromSsoOptions): SsoSettings | undefined => {
  const { ssoStartUrl, ssoRegion, ssoAccountId, ssoRoleName, ssoSession } = options
  const given = [ssoStartUrl, ssoRegion, ssoAccountId, ssoRoleName, ssoSession]
  if (given.every((setting) => setting === undefined)) return undefined
  if (
    ssoStartUrl === undefined ||
    ssoRegion === undefined ||
    ssoAccountId === undefined ||
    ssoRoleName === undefined
  )
    throw ssoError(
      'InvalidProfile',
      'fromSSO with explicit settings needs ssoStartUrl, ssoRegion, ssoAccountId and ssoRoleName (ssoSession is optional)',
    )
  const settings: SsoSettings = {
    type: 'Sso',
    profile: options.profile ?? '(explicit settings)',
    ssoStartUrl,
    ssoRegion,
    ssoAccountId,
    ssoRoleName,
  }
  if (ssoSession !== undefined) settings.ssoSession = ssoSession
  return settings
}

/**
 * Credentials of an IAM Identity Center (SSO) role, as the AWS SDK for JavaScript v3 `fromSSO`:
 * the SSO settings of a profile (`sso_session` + `[sso-session]`, or legacy `sso_start_url`,
 * `sso_region`, `sso_account_id`, `sso_role_name`) or given explicitly, the token that
 * `aws sso login` cached, and `GetRoleCredentials` on the SSO portal. Cached until 5 minutes before
 * expiry; concurrent callers share one call; failures are not cached.
 *
 * Not configured (no such profile, no SSO settings): a {@link CredentialsError} with
 * `tryNextLink: true`; configured but failing: see {@link resolveSsoCredentials}.
 *
 * @example
 * const credentials = fromSSO({ profile: 'my-sso-profile' })
 */
export const fromSSO = (options: FromSsoOptions = {}): NodeCredentialProvider => {
  return cachedProvider(async () => {
    const files = await loadSharedConfigFiles(options)
    const profileName = selectedProfileName(options)
    let settings = explicitSettings(options)
    if (settings === undefined) {
      const profile = requireProfile(files, profileName)
      settings = ssoSource(files, profile, profileName) as SsoSettings | undefined
      if (settings === undefined)
        throw new CredentialsError(
          'CredentialsNotFound',
          `Profile \`${profileName}\` has no SSO settings (sso_session, or sso_start_url and sso_region)`,
          { tryNextLink: true },
        )
    }
    return resolveSsoCredentials(settings, { ...options, files, profileName })
  }, options)
}
