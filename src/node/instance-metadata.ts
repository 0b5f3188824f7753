// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import { CredentialsError } from './errors.ts'
import { exchange, isTransientStatus, NoAnswer, readCredentialsDocument } from './http.ts'
import type { Environment, SourceOptions } from './options.ts'
import { profileSettings } from './profile-settings.ts'
import {
  envValue,
  refreshOptionsOf,
  withDefaults,
  type NodeCredentialProvider,
} from './provider.ts'

/** How to reach the instance metadata service: over IPv4 (169.254.169.254) or IPv6 (fd00:ec2::254). */
export type InstanceMetadataEndpointMode = 'IPv4' | 'IPv6'

/** Options of {@link fromInstanceMetadata}. */
export interface InstanceMetadataOptions extends SourceOptions, RefreshOptions {
  /** The profile whose `ec2_metadata_service_endpoint(_mode)` and `ec2_metadata_v1_disabled` apply (default: `AWS_PROFILE`, else `default`). */
  profile?: string
  /** The endpoint, e.g. `http://169.254.169.254` (beats every other setting). */
  endpoint?: string
  /** The endpoint mode (below the endpoint settings of code, environment and profile). */
  endpointMode?: InstanceMetadataEndpointMode | string
  /** Time limit of each attempt (default 1000 ms, as the AWS SDK v3). */
  timeoutMs?: number
  /** Attempts after the first one on HTTP 429 or 5xx and on time-outs (default 3: 4 attempts, as the AWS SDK for Rust). */
  maxRetries?: number
  /** Cancels the requests. */
  signal?: AbortSignal
}

const MODE_ENDPOINTS: Record<InstanceMetadataEndpointMode, string> = {
  IPv4: 'http://169.254.169.254',
  IPv6: 'http://[fd00:ec2::254]',
}

const invalidEndpoint = (message: string): CredentialsError =>
  new CredentialsError('InvalidEndpoint', `instance metadata: ${message}`)

const endpointMode = (value: string, where: string): InstanceMetadataEndpointMode => {
  const lower = value.toLowerCase()
  if (lower == 'ipv4') return 'IPv4'
  if (lower == 'ipv6') return 'IPv6'
  throw invalidEndpoint(`${where}: \`${value}\` is not a valid endpoint mode: use IPv4 or IPv6`)
}

const endpointUrl = (value: string, where: string): URL => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalidEndpoint(
      `${where} must be an absolute URL such as http://169.254.169.254 (invalid uri character or no scheme)`,
    )
  }
  if (url.protocol != 'http:' && url.protocol != 'https:')
    throw invalidEndpoint(`${where} must be an http or https URL`)
  return url
}

/**
 * The base URL of the instance metadata service, first found of: `options.endpoint`,
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT`, the profile's `ec2_metadata_service_endpoint`, then the
 * mode (`options.endpointMode`, `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`, the profile's
 * `ec2_metadata_service_endpoint_mode`; IPv4 by default). Modes are case-insensitive. Throws
 * `InvalidEndpoint` for a malformed URL or an unknown mode.
 */
export const instanceMetadataEndpoint = async (
  options: InstanceMetadataOptions = {},
): Promise<URL> => {
  const resolved = withDefaults(options)
  const { env } = resolved
  if (options.endpoint !== undefined) return endpointUrl(options.endpoint, 'the endpoint option')
  const fromEnv = envValue(env, 'AWS_EC2_METADATA_SERVICE_ENDPOINT')
  if (fromEnv !== undefined) return endpointUrl(fromEnv, 'AWS_EC2_METADATA_SERVICE_ENDPOINT')
  const profile = await profileSettings(resolved, options.profile)
  const fromProfile = profile.ec2_metadata_service_endpoint
  if (fromProfile !== undefined)
    return endpointUrl(fromProfile, 'the profile key ec2_metadata_service_endpoint')
  let mode: InstanceMetadataEndpointMode = 'IPv4'
  const modeFromEnv = envValue(env, 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE')
  const modeFromProfile = profile.ec2_metadata_service_endpoint_mode
  if (options.endpointMode !== undefined) {
    mode = endpointMode(options.endpointMode, 'the endpointMode option')
  } else if (modeFromEnv !== undefined) {
    mode = endpointMode(modeFromEnv, 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE')
  } else if (modeFromProfile !== undefined) {
    mode = endpointMode(modeFromProfile, 'the profile key ec2_metadata_service_endpoint_mode')
  }
  return new URL(MODE_ENDPOINTS[mode])
}

// "Set to anything but false" (case-insensitive) disables, as in the AWS SDK v3.
const isSetTrue = (value: string | undefined): boolean =>
  value !== undefined && value.toLowerCase() != 'false'

const TOKEN_PATH = '/latest/api/token'
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/'

interface Attempts {
  fetchFunction: typeof fetch
  timeoutMs: number
  maxRetries: number
  signal?: AbortSignal
}

type Outcome = { status: number; body: string } | { noAnswer: 'timeout' | 'network' }

// One request with retries on no answer, 429 and 5xx; returns the last outcome.
const request = async (
  attempts: Attempts,
  url: URL,
  method: string,
  headers: Record<string, string>,
): Promise<Outcome> => {
  let outcome: Outcome = { noAnswer: 'network' }
  for (let attempt = 0; attempt <= attempts.maxRetries; attempt++) {
    try {
      const response = await exchange(
        attempts.fetchFunction,
        url,
        { method, headers },
        attempts.timeoutMs,
        attempts.signal,
      )
      outcome = response
      if (!isTransientStatus(response.status)) return outcome
    } catch (error) {
      if (!(error instanceof NoAnswer) || error.reason == 'aborted') {
        throw new CredentialsError(
          'EndpointUnreachable',
          'instance metadata: the request was aborted',
          {
            cause: error,
          },
        )
      }
      outcome = { noAnswer: error.reason }
      // Nothing listens there (not on EC2): trying again will not help.
      if (error.reason == 'network') return outcome
    }
  }
  return outcome
}

const describe = (outcome: Outcome, timeoutMs: number): string => {
  if ('status' in outcome) return `HTTP ${outcome.status}`
  if (outcome.noAnswer == 'timeout') return `no answer within ${timeoutMs} ms`
  return 'the connection failed'
}

const unreachable = (where: string, outcome: Outcome, timeoutMs: number): CredentialsError =>
  new CredentialsError(
    'EndpointUnreachable',
    `instance metadata: ${where} (${describe(outcome, timeoutMs)}); outside EC2 this source does not apply, and AWS_EC2_METADATA_DISABLED=true turns it off`,
    { tryNextLink: true },
  )

/**
 * Credentials of the EC2 instance's IAM role from the instance metadata service (IMDS): a session
 * token (IMDSv2, `PUT /latest/api/token`), the role name, then its credentials. When the token
 * request times out or is refused with 403, 404 or 405, falls back to IMDSv1 (no token), as the
 * AWS SDK v3 does, unless `AWS_EC2_METADATA_V1_DISABLED` (or the profile's
 * `ec2_metadata_v1_disabled`) is true. `AWS_EC2_METADATA_DISABLED` (anything but `false`) turns the
 * source off. Each attempt has a short time limit (1 s); 429, 5xx and time-outs are retried.
 *
 * Rejects with a {@link CredentialsError}: `CredentialsNotFound` (with `tryNextLink`) when disabled
 * or when the instance has no role, `EndpointUnreachable` (with `tryNextLink`: not on EC2),
 * `InvalidEndpoint`, `InvalidResponse`.
 *
 * @example
 * const credentials = fromInstanceMetadata({ timeoutMs: 2000 })
 */
export const fromInstanceMetadata = (
  options: InstanceMetadataOptions = {},
): NodeCredentialProvider => {
  const resolved = withDefaults(options)
  const { env } = resolved
  const { timeoutMs = 1000, maxRetries = 3, signal } = options
  const attempts: Attempts = { fetchFunction: resolved.fetch, timeoutMs, maxRetries, signal }
  const get = async () => {
    if (isSetTrue(envValue(env, 'AWS_EC2_METADATA_DISABLED'))) {
      throw new CredentialsError(
        'CredentialsNotFound',
        'instance metadata: disabled by AWS_EC2_METADATA_DISABLED',
        { tryNextLink: true },
      )
    }
    const base = await instanceMetadataEndpoint(options)
    const at = (path: string) => new URL(base.pathname.replace(/\/$/, '') + path, base)
    const headers: Record<string, string> = {}
    const tokenOutcome = await request(attempts, at(TOKEN_PATH), 'PUT', {
      'x-aws-ec2-metadata-token-ttl-seconds': '21600',
    })
    if ('status' in tokenOutcome && tokenOutcome.status == 200) {
      headers['x-aws-ec2-metadata-token'] = tokenOutcome.body.trim()
    } else if (isV1Fallback(tokenOutcome)) {
      const profile = await profileSettings(resolved, options.profile)
      const v1Disabled =
        isSetTrue(envValue(env, 'AWS_EC2_METADATA_V1_DISABLED')) ||
        isSetTrue(profile.ec2_metadata_v1_disabled)
      if (v1Disabled) {
        throw new CredentialsError(
          'EndpointUnreachable',
          `instance metadata: no IMDSv2 token (${describe(tokenOutcome, timeoutMs)}) and the IMDSv1 fallback is disabled by AWS_EC2_METADATA_V1_DISABLED or ec2_metadata_v1_disabled`,
          { tryNextLink: true },
        )
      }
    } else if ('status' in tokenOutcome && !isTransientStatus(tokenOutcome.status)) {
      throw new CredentialsError(
        'InvalidResponse',
        `instance metadata: the token request was refused (HTTP ${tokenOutcome.status})`,
      )
    } else {
      throw unreachable(`no session token from ${base.origin}`, tokenOutcome, timeoutMs)
    }
    const fallback = headers['x-aws-ec2-metadata-token'] === undefined ? ' over IMDSv1' : ''
    const roleOutcome = await request(attempts, at(CREDENTIALS_PATH), 'GET', headers)
    if ('status' in roleOutcome && roleOutcome.status == 404) {
      throw new CredentialsError(
        'CredentialsNotFound',
        'instance metadata: the instance has no IAM role (instance profile) attached',
        { tryNextLink: true },
      )
    }
    if (!('status' in roleOutcome) || roleOutcome.status != 200)
      throw unreachable(`no role name${fallback}`, roleOutcome, timeoutMs)
    const role = roleOutcome.body.split('\n')[0]!.trim()
    if (role === '' || role.includes('/')) {
      throw new CredentialsError(
        'InvalidResponse',
        'instance metadata: the role list is not a role name',
      )
    }
    const credentialsOutcome = await request(
      attempts,
      at(CREDENTIALS_PATH + encodeURIComponent(role)),
      'GET',
      headers,
    )
    if (!('status' in credentialsOutcome) || credentialsOutcome.status != 200)
      throw unreachable(`no credentials for role ${role}${fallback}`, credentialsOutcome, timeoutMs)
    const code = codeOf(credentialsOutcome.body)
    if (code !== undefined && code != 'Success') {
      throw new CredentialsError(
        'InvalidResponse',
        `instance metadata: the credentials of role ${role} are not available (Code ${code})`,
      )
    }
    const credentials = readCredentialsDocument(credentialsOutcome.body)
    if (typeof credentials == 'string') {
      throw new CredentialsError(
        'InvalidResponse',
        `instance metadata: the answer for role ${role} holds no credentials: ${credentials}`,
      )
    }
    return credentials
  }
  return cachedProvider(get, refreshOptionsOf(options))
}

// The AWS SDK v3 falls back to IMDSv1 when the token request times out or answers 403, 404 or 405
// (IMDSv2 unsupported or blocked by a proxy); 400 is a real error.
const isV1Fallback = (outcome: Outcome): boolean => {
  if (!('status' in outcome)) return outcome.noAnswer == 'timeout'
  return outcome.status == 403 || outcome.status == 404 || outcome.status == 405
}

// The `Code` field of the credentials document, read without keeping anything else of it.
const codeOf = (body: string): string | undefined => {
  try {
    const document = JSON.parse(body) as unknown
    if (typeof document == 'object' && document !== null && Object.hasOwn(document, 'Code')) {
      const code = (document as { Code: unknown }).Code
      if (typeof code == 'string') return code
    }
  } catch {}
  return undefined
}
