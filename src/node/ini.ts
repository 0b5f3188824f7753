// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// fromIni: the credentials a profile of the shared files stands for, role chains included. Every
// STS hop is this package's own AssumeRole / AssumeRoleWithWebIdentity (validation, retries, typed
// errors).
import { readFile as readTextFile } from 'node:fs/promises'
import type { StsConfig } from '../client.ts'
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import type { AssumeRoleInput } from '../operations.ts'
import { assumeRole, assumeRoleWithWebIdentity } from '../sts.ts'
import { fromContainerMetadata } from './container-metadata.ts'
import { fromEnv } from './env.ts'
import { CredentialsError } from './errors.ts'
import { fromInstanceMetadata } from './instance-metadata.ts'
import type { Environment, SourceOptions } from './options.ts'
import { runCredentialProcess } from './process.ts'
import {
  resolveProfileChain,
  type BaseSource,
  type NamedCredentialSource,
  type ProfileChain,
  type RoleHop,
} from './profile-chain.ts'
import type { NodeCredentialIdentity, NodeCredentialProvider } from './provider.ts'
import {
  configuredEndpoint,
  endpointVariant,
  loadSharedConfigFiles,
  propertyOf,
  sectionOf,
  selectedProfileName,
  serviceEndpoint,
  type ParsedProfileFile,
  type SharedConfigFiles,
} from './shared-files.ts'
import { resolveSsoCredentials } from './sso.ts'

/** How the STS hops of a profile are sent (the AWS SDK v3 name `clientConfig`). */
export type IniClientConfig = Pick<
  StsConfig,
  | 'region'
  | 'endpoint'
  | 'useFipsEndpoint'
  | 'timeoutMs'
  | 'maxAttempts'
  | 'retryDelayMs'
  | 'signal'
>

/** Options of {@link fromIni}. */
export interface FromIniOptions extends SourceOptions, RefreshOptions {
  /** The profile (default: `AWS_PROFILE`, else `default`). */
  profile?: string
  /**
   * Asked for the current code of the MFA device when a role profile has `mfa_serial`; called
   * only when STS is called, with the `mfa_serial` value.
   */
  mfaCodeProvider?: (mfaSerial: string) => Promise<string>
  /**
   * Settings of the STS hops. Without `region`: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
   * `region`, else `us-east-1`. Without `endpoint`: the configured endpoint (`AWS_ENDPOINT_URL_STS`,
   * `AWS_ENDPOINT_URL`, the profile's `services` section, its `endpoint_url`), else the regional
   * endpoint with the FIPS / dual-stack settings of the environment and profile.
   */
  clientConfig?: IniClientConfig
  /** Time limit of a `credential_process` command (default 60000 ms). */
  processTimeoutMs?: number
  /**
   * Cancels what the profile needs: STS hops (unless `clientConfig.signal` is given), SSO
   * requests, a running `credential_process`, container and instance metadata requests.
   */
  signal?: AbortSignal
}

const nonEmpty = (value: string | undefined): string | undefined => {
  if (value === undefined || value === '') return undefined
  return value
}

/** The STS settings of the hops: region, endpoint, FIPS, the caller's `fetch` and limits. */
const stsConfigFor = (
  files: ParsedProfileFile,
  profileName: string,
  env: Environment,
  options: FromIniOptions,
): StsConfig => {
  const client = options.clientConfig ?? {}
  const profile = sectionOf(files.profiles, profileName)
  const region =
    client.region ??
    nonEmpty(env.AWS_REGION) ??
    nonEmpty(env.AWS_DEFAULT_REGION) ??
    nonEmpty(propertyOf(profile, 'region')) ??
    'us-east-1'
  const config: StsConfig = { ...client, region }
  if (options.fetch !== undefined) config.fetch = options.fetch
  if (config.signal === undefined && options.signal !== undefined) config.signal = options.signal
  if (client.endpoint !== undefined) return config
  const configured = configuredEndpoint(files, profileName, env, {
    environment: 'STS',
    profile: 'sts',
  })
  if (configured !== undefined) {
    config.endpoint = configured
    return config
  }
  const variant = endpointVariant(files, profileName, env)
  // StsConfig knows FIPS; the dual-stack host (…api.aws) is given as the endpoint.
  if (variant.dualStack) config.endpoint = `${serviceEndpoint('sts', region, variant)}/`
  else if (client.useFipsEndpoint === undefined && variant.fips) config.useFipsEndpoint = true
  return config
}

/** The account of an assumed-role ARN (`arn:aws:sts::123456789012:assumed-role/…`). */
const accountOf = (arn: string | undefined): string | undefined => {
  const account = arn?.split(':')[4]
  if (account === undefined || account === '') return undefined
  return account
}

const withAccount = (
  credentials: {
    AccessKeyId: string
    SecretAccessKey: string
    SessionToken: string
    Expiration: Date
  },
  arn: string | undefined,
): NodeCredentialIdentity => {
  const identity: NodeCredentialIdentity = {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  }
  const accountId = accountOf(arn)
  if (accountId !== undefined) identity.accountId = accountId
  return identity
}

const sessionName = (options: FromIniOptions): string => `edge-sts-${(options.now ?? Date.now)()}`

const NAMED_SOURCES: Record<
  NamedCredentialSource,
  (options: FromIniOptions) => NodeCredentialProvider
> = {
  Environment: (options) => fromEnv(options),
  Ec2InstanceMetadata: (options) => fromInstanceMetadata(options),
  EcsContainer: (options) => fromContainerMetadata(options),
}

const namedSourceCredentials = async (
  base: Extract<BaseSource, { type: 'NamedSource' }>,
  options: FromIniOptions,
): Promise<NodeCredentialIdentity> => {
  try {
    return await NAMED_SOURCES[base.name](options)()
  } catch (error) {
    // The profile asks for this source: its absence is a broken profile, not a reason to try
    // the next source of a chain.
    if (error instanceof CredentialsError && error.tryNextLink)
      throw new CredentialsError(
        error.code as ConstructorParameters<typeof CredentialsError>[0],
        `Profile \`${base.profile}\` has credential_source = ${base.name}, but that source provided no credentials: ${error.message}`,
        { cause: error },
      )
    throw error
  }
}

const webIdentityCredentials = async (
  base: Extract<BaseSource, { type: 'WebIdentityToken' }>,
  sts: StsConfig,
  options: FromIniOptions,
): Promise<NodeCredentialIdentity> => {
  const read = options.readFile ?? ((path: string) => readTextFile(path, 'utf8'))
  let token: string
  try {
    // Read on every call: EKS and CI runners rotate the token file.
    token = (await read(base.webIdentityTokenFile)).trim()
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    throw new CredentialsError(
      'CredentialsNotFound',
      `Profile \`${base.profile}\`: web_identity_token_file ${base.webIdentityTokenFile} cannot be read (${typeof code === 'string' ? code : 'read failed'}): check the path`,
      { cause: error },
    )
  }
  if (token === '')
    throw new CredentialsError(
      'CredentialsNotFound',
      `Profile \`${base.profile}\`: web_identity_token_file ${base.webIdentityTokenFile} is empty`,
    )
  const output = await assumeRoleWithWebIdentity(
    {
      RoleArn: base.roleArn,
      RoleSessionName: base.roleSessionName ?? sessionName(options),
      WebIdentityToken: token,
    },
    sts,
  )
  return withAccount(output.Credentials, output.AssumedRoleUser?.Arn)
}

const baseCredentials = async (
  base: BaseSource,
  files: ParsedProfileFile,
  profileName: string,
  sts: StsConfig,
  options: FromIniOptions,
): Promise<NodeCredentialIdentity> => {
  if (base.type === 'AccessKey') {
    const identity: NodeCredentialIdentity = {
      accessKeyId: base.accessKeyId,
      secretAccessKey: base.secretAccessKey,
    }
    if (base.sessionToken !== undefined) identity.sessionToken = base.sessionToken
    if (base.accountId !== undefined) identity.accountId = base.accountId
    return identity
  }
  if (base.type === 'WebIdentityToken') return webIdentityCredentials(base, sts, options)
  if (base.type === 'Process')
    return runCredentialProcess(base.command, {
      profileName: base.profile,
      accountId: base.accountId,
      env: options.env,
      now: options.now,
      timeoutMs: options.processTimeoutMs,
      signal: options.signal,
    })
  if (base.type === 'Sso')
    return resolveSsoCredentials(base, {
      ...options,
      // The SSO requests' own limit; `processTimeoutMs` and the STS limits are not theirs.
      timeoutMs: undefined,
      files,
      profileName,
    })
  return namedSourceCredentials(base, options)
}

const assumeHop = async (
  hop: RoleHop,
  source: NodeCredentialIdentity,
  sts: StsConfig,
  options: FromIniOptions,
): Promise<NodeCredentialIdentity> => {
  const input: AssumeRoleInput = {
    RoleArn: hop.roleArn,
    RoleSessionName: hop.roleSessionName ?? sessionName(options),
  }
  if (hop.externalId !== undefined) input.ExternalId = hop.externalId
  if (hop.durationSeconds !== undefined) input.DurationSeconds = hop.durationSeconds
  if (hop.mfaSerial !== undefined) {
    if (options.mfaCodeProvider === undefined)
      throw new CredentialsError(
        'MfaCodeRequired',
        `Profile \`${hop.profile}\` has mfa_serial: pass mfaCodeProvider (a function that returns the current code of the MFA device)`,
      )
    input.SerialNumber = hop.mfaSerial
    // Asked here, right before the call, so the code is fresh.
    input.TokenCode = await options.mfaCodeProvider(hop.mfaSerial)
  }
  const credentials = {
    accessKeyId: source.accessKeyId,
    secretAccessKey: source.secretAccessKey,
    sessionToken: source.sessionToken,
  }
  const output = await assumeRole(input, { ...sts, credentials })
  return withAccount(output.Credentials, output.AssumedRoleUser?.Arn)
}

// A selected profile that is not there: say where it was looked for.
const chainWithFileNames = (files: SharedConfigFiles, profileName: string): ProfileChain => {
  try {
    return resolveProfileChain(files, profileName)
  } catch (error) {
    if (
      !(error instanceof CredentialsError) ||
      error.code !== 'ProfileNotFound' ||
      !error.tryNextLink
    )
      throw error
    throw new CredentialsError(
      error.code,
      `${error.message} (looked in ${files.configFile} and ${files.credentialsFile})`,
      { tryNextLink: true },
    )
  }
}

/**
 * The credentials of a profile, read from the files on each call (file contents are not cached).
 * See {@link fromIni}.
 */
export const resolveIniCredentials = async (
  options: FromIniOptions = {},
): Promise<NodeCredentialIdentity> => {
  const env = options.env ?? process.env
  const files = await loadSharedConfigFiles(options)
  const profileName = selectedProfileName(options)
  const chain = chainWithFileNames(files, profileName)
  const sts = stsConfigFor(files, profileName, env, options)
  let credentials = await baseCredentials(chain.base, files, profileName, sts, options)
  for (const hop of chain.roles) credentials = await assumeHop(hop, credentials, sts, options)
  return credentials
}

/**
 * Credentials of a profile of the shared config and credentials files, as the AWS SDK for
 * JavaScript v3 `fromIni`: static keys (`aws_access_key_id`, `aws_secret_access_key`,
 * `aws_session_token`, `aws_account_id`); role chains (`role_arn` with `source_profile` or
 * `credential_source` = `Environment` | `Ec2InstanceMetadata` | `EcsContainer`, and
 * `role_session_name`, `external_id`, `mfa_serial`, `duration_seconds`), each hop an STS
 * AssumeRole signed with the credentials of the hop before; `web_identity_token_file` with
 * `role_arn` (AssumeRoleWithWebIdentity, the file re-read on each refresh); `credential_process`
 * (see `fromProcess`); `sso_session` or legacy `sso_*` keys (see `fromSSO`).
 *
 * The result is cached until 5 minutes before it expires (static keys: for the provider's life);
 * concurrent callers share one resolution; failures are not cached.
 *
 * Rejects with a {@link CredentialsError} (`ProfileNotFound` and `CredentialsNotFound` for the
 * selected profile carry `tryNextLink: true`; `ProfileCycle`, `InvalidProfile`, `InvalidConfigFile`,
 * `MfaCodeRequired` and the errors of the base source do not), or with the `StsError` /
 * `StsValidationError` of an STS hop.
 *
 * @example
 * const credentials = fromIni({
 *   profile: 'admin',
 *   mfaCodeProvider: async (serial) => prompt(`MFA code for ${serial}`) ?? '',
 * })
 */
export const fromIni = (options: FromIniOptions = {}): NodeCredentialProvider => {
  // The options go through whole: refresh window, clock and whatever else RefreshOptions holds.
  return cachedProvider(() => resolveIniCredentials(options), options)
}
