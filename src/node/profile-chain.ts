// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// Which credentials a profile stands for: the base source and the roles assumed on top of it,
// worked out from the files alone (nothing is called). Conforms to the cross-SDK cases of
// smithy-rs (assume-role-tests.json).
import { CredentialsError } from './errors.ts'
import {
  propertyOf,
  sectionOf,
  type ParsedProfileFile,
  type ProfileSection,
} from './shared-files.ts'

/** The `credential_source` values a role profile may name. */
export type NamedCredentialSource = 'Environment' | 'Ec2InstanceMetadata' | 'EcsContainer'

/** Where the first credentials of a chain come from. */
export type BaseSource =
  | {
      type: 'AccessKey'
      profile: string
      accessKeyId: string
      secretAccessKey: string
      sessionToken?: string
      accountId?: string
    }
  | { type: 'NamedSource'; profile: string; name: NamedCredentialSource }
  | {
      type: 'WebIdentityToken'
      profile: string
      roleArn: string
      webIdentityTokenFile: string
      roleSessionName?: string
    }
  | {
      type: 'Sso'
      profile: string
      ssoSession?: string
      ssoRegion: string
      ssoStartUrl: string
      ssoAccountId?: string
      ssoRoleName?: string
    }
  | { type: 'Process'; profile: string; command: string; accountId?: string }

/** One AssumeRole hop, with the settings of the profile that names the role. */
export interface RoleHop {
  profile: string
  roleArn: string
  roleSessionName?: string
  externalId?: string
  mfaSerial?: string
  durationSeconds?: number
}

/** A profile's credentials: the base source, then the roles to assume in order. */
export interface ProfileChain {
  base: BaseSource
  /** In the order they are assumed: the first is signed with the base credentials. */
  roles: RoleHop[]
}

const NAMED_SOURCES: readonly string[] = ['Environment', 'Ec2InstanceMetadata', 'EcsContainer']

const invalidProfile = (message: string): CredentialsError =>
  new CredentialsError('InvalidProfile', message)

const value = (profile: ProfileSection, name: string): string | undefined => {
  const found = propertyOf(profile, name)
  if (found === undefined || found === '') return undefined
  return found
}

const staticKeys = (profile: ProfileSection, name: string): BaseSource | undefined => {
  const accessKeyId = value(profile, 'aws_access_key_id')
  const secretAccessKey = value(profile, 'aws_secret_access_key')
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined
  if (secretAccessKey === undefined)
    throw invalidProfile(
      `Profile \`${name}\` is incomplete (profile missing aws_secret_access_key): set aws_access_key_id and aws_secret_access_key together`,
    )
  if (accessKeyId === undefined)
    throw invalidProfile(
      `Profile \`${name}\` is incomplete (profile missing aws_access_key_id): set aws_access_key_id and aws_secret_access_key together`,
    )
  const base: BaseSource = { type: 'AccessKey', profile: name, accessKeyId, secretAccessKey }
  const sessionToken = value(profile, 'aws_session_token')
  if (sessionToken !== undefined) base.sessionToken = sessionToken
  const accountId = value(profile, 'aws_account_id')
  if (accountId !== undefined) base.accountId = accountId
  return base
}

const webIdentity = (profile: ProfileSection, name: string): BaseSource | undefined => {
  const webIdentityTokenFile = value(profile, 'web_identity_token_file')
  if (webIdentityTokenFile === undefined) return undefined
  const roleArn = value(profile, 'role_arn')
  if (roleArn === undefined)
    throw invalidProfile(
      `Profile \`${name}\`: \`web_identity_token_file\` was specified but \`role_arn\` was missing: add the role to assume with the token`,
    )
  const base: BaseSource = {
    type: 'WebIdentityToken',
    profile: name,
    roleArn,
    webIdentityTokenFile,
  }
  const roleSessionName = value(profile, 'role_session_name')
  if (roleSessionName !== undefined) base.roleSessionName = roleSessionName
  return base
}

const SSO_KEYS = ['sso_session', 'sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name']

/**
 * The SSO settings of a profile (`sso_session` with its `[sso-session]` section, or the legacy
 * `sso_start_url` / `sso_region` keys), or `undefined` when it has none. Throws `InvalidProfile`
 * for a half pair of `sso_account_id` / `sso_role_name`, a missing or conflicting session.
 */
export const ssoSource = (
  files: ParsedProfileFile,
  profile: ProfileSection,
  name: string,
): BaseSource | undefined => {
  if (!SSO_KEYS.some((key) => value(profile, key) !== undefined)) return undefined
  const ssoAccountId = value(profile, 'sso_account_id')
  const ssoRoleName = value(profile, 'sso_role_name')
  if (ssoRoleName !== undefined && ssoAccountId === undefined)
    throw invalidProfile(
      `Profile \`${name}\`: if \`sso_role_name\` is set, then \`sso_account_id\` must also be set`,
    )
  if (ssoAccountId !== undefined && ssoRoleName === undefined)
    throw invalidProfile(
      `Profile \`${name}\`: if \`sso_account_id\` is set, then \`sso_role_name\` must also be set`,
    )
  const sessionName = value(profile, 'sso_session')
  let ssoRegion = value(profile, 'sso_region')
  let ssoStartUrl = value(profile, 'sso_start_url')
  if (sessionName !== undefined) {
    const session = sectionOf(files.ssoSessions, sessionName)
    if (session === undefined)
      throw invalidProfile(
        `sso-session named \`${sessionName}\` (referenced by profile \`${name}\`) was not found: add an [sso-session ${sessionName}] section to the config file`,
      )
    const sessionRegion = value(session, 'sso_region')
    const sessionStartUrl = value(session, 'sso_start_url')
    // The JS SDK allows the same value in both places and rejects a conflict.
    if (ssoRegion !== undefined && ssoRegion !== sessionRegion)
      throw invalidProfile(
        `Profile \`${name}\` sets sso_region differently from sso-session \`${sessionName}\`: \`sso_region\` can only be specified in the [sso-session] config when a session name is given`,
      )
    if (ssoStartUrl !== undefined && ssoStartUrl !== sessionStartUrl)
      throw invalidProfile(
        `Profile \`${name}\` sets sso_start_url differently from sso-session \`${sessionName}\`: \`sso_start_url\` can only be specified in the [sso-session] config when a session name is given`,
      )
    ssoRegion = sessionRegion
    ssoStartUrl = sessionStartUrl
    if (ssoRegion === undefined || ssoStartUrl === undefined)
      throw invalidProfile(
        `sso-session \`${sessionName}\` (referenced by profile \`${name}\`) must set sso_region and sso_start_url`,
      )
  }
  if (ssoRegion === undefined || ssoStartUrl === undefined)
    throw invalidProfile(
      `Profile \`${name}\` has SSO settings but misses sso_start_url or sso_region: set both, or use sso_session`,
    )
  const base: BaseSource = { type: 'Sso', profile: name, ssoRegion, ssoStartUrl }
  if (sessionName !== undefined) base.ssoSession = sessionName
  if (ssoAccountId !== undefined) base.ssoAccountId = ssoAccountId
  if (ssoRoleName !== undefined) base.ssoRoleName = ssoRoleName
  return base
}

const credentialProcess = (profile: ProfileSection, name: string): BaseSource | undefined => {
  const command = value(profile, 'credential_process')
  if (command === undefined) return undefined
  const base: BaseSource = { type: 'Process', profile: name, command }
  const accountId = value(profile, 'aws_account_id')
  if (accountId !== undefined) base.accountId = accountId
  return base
}

/**
 * The base source of a profile that assumes no role (or is the end of a chain), in the order of
 * the AWS SDK for JavaScript v3: static keys, web identity token file, credential_process, SSO.
 */
const baseSource = (
  files: ParsedProfileFile,
  profile: ProfileSection,
  name: string,
): BaseSource => {
  const found =
    staticKeys(profile, name) ??
    webIdentity(profile, name) ??
    credentialProcess(profile, name) ??
    ssoSource(files, profile, name)
  if (found === undefined)
    throw new CredentialsError(
      'CredentialsNotFound',
      `The profile \`${name}\` did not contain credential information: set aws_access_key_id and aws_secret_access_key, role_arn with source_profile or credential_source, web_identity_token_file, credential_process, or sso_session`,
    )
  return found
}

const roleHop = (profile: ProfileSection, name: string, roleArn: string): RoleHop => {
  const hop: RoleHop = { profile: name, roleArn }
  const roleSessionName = value(profile, 'role_session_name')
  if (roleSessionName !== undefined) hop.roleSessionName = roleSessionName
  const externalId = value(profile, 'external_id')
  if (externalId !== undefined) hop.externalId = externalId
  const mfaSerial = value(profile, 'mfa_serial')
  if (mfaSerial !== undefined) hop.mfaSerial = mfaSerial
  const duration = value(profile, 'duration_seconds')
  if (duration !== undefined) {
    if (!/^\d+$/.test(duration))
      throw invalidProfile(
        `Profile \`${name}\`: duration_seconds must be a whole number of seconds (900 to 43200)`,
      )
    hop.durationSeconds = Number(duration)
  }
  return hop
}

/**
 * Works out a profile's chain: follows `role_arn` + `source_profile` until a profile with
 * credentials of its own, a `credential_source`, or a profile that names itself. On the first
 * profile `role_arn` wins over static keys in the same profile; on later ones static keys win. A
 * profile with `web_identity_token_file` is a base source (its `role_arn` goes with the token).
 *
 * Throws a {@link CredentialsError}: `ProfileNotFound` (the selected profile is missing:
 * `tryNextLink: true`; a `source_profile` is missing: `false`), `CredentialsNotFound` (the
 * selected profile holds no credential settings: `tryNextLink: true`), `ProfileCycle` (naming the
 * profiles), `InvalidProfile` (contradicting or missing keys).
 */
export const resolveProfileChain = (
  files: ParsedProfileFile,
  selectedProfile: string,
): ProfileChain => {
  const visited: string[] = []
  const roles: RoleHop[] = []
  let name = selectedProfile
  for (;;) {
    const profile = sectionOf(files.profiles, name)
    if (profile === undefined) {
      if (visited.length > 0)
        throw new CredentialsError(
          'ProfileNotFound',
          `could not find source profile ${name} referenced from ${visited[visited.length - 1]}: define it in the config or credentials file, or fix source_profile`,
        )
      const none = Object.keys(files.profiles).length === 0
      throw new CredentialsError(
        'ProfileNotFound',
        none
          ? `No profiles were defined, so profile \`${name}\` does not exist: the credential provider was not enabled`
          : `Profile \`${name}\` not found: the credential provider was not enabled. Define [profile ${name}] in the config file or [${name}] in the credentials file, or select another profile`,
        { tryNextLink: true },
      )
    }
    if (visited.includes(name))
      throw new CredentialsError(
        'ProfileCycle',
        `source_profile chain ${[...visited, name].join(' → ')}: the profile formed an infinite loop. Point one of them at a profile with keys or at a credential_source`,
      )
    visited.push(name)

    if (visited.length > 1) {
      const keys = staticKeysIfComplete(profile, name)
      if (keys !== undefined) return { base: keys, roles: roles.reverse() }
    }

    const roleArn = value(profile, 'role_arn')
    if (roleArn === undefined || value(profile, 'web_identity_token_file') !== undefined) {
      const base = withTryNextLink(() => baseSource(files, profile, name), visited.length === 1)
      return { base, roles: roles.reverse() }
    }

    const sourceProfile = value(profile, 'source_profile')
    const credentialSource = value(profile, 'credential_source')
    if (sourceProfile !== undefined && credentialSource !== undefined)
      throw invalidProfile(
        `Profile \`${name}\` sets role_arn, but the profile contained both source_profile and credential_source: keep only one`,
      )
    if (sourceProfile === undefined && credentialSource === undefined)
      throw invalidProfile(
        `Profile \`${name}\` sets role_arn, so the profile must contain \`source_profile\` or \`credential_source\` to say where the credentials that assume it come from`,
      )
    roles.push(roleHop(profile, name, roleArn))

    if (credentialSource !== undefined) {
      if (!NAMED_SOURCES.includes(credentialSource))
        throw invalidProfile(
          `Profile \`${name}\`: credential_source must be Environment, Ec2InstanceMetadata or EcsContainer`,
        )
      const base: BaseSource = {
        type: 'NamedSource',
        profile: name,
        name: credentialSource as NamedCredentialSource,
      }
      return { base, roles: roles.reverse() }
    }
    if (sourceProfile === name) {
      // A profile may be its own source: its keys sign the AssumeRole of its role.
      return { base: baseSource(files, profile, name), roles: roles.reverse() }
    }
    name = sourceProfile!
  }
}

// Later hops use a profile's static keys only when both are there (a half pair is an error of the
// profile's own resolution, reached when it has no role either).
const staticKeysIfComplete = (profile: ProfileSection, name: string): BaseSource | undefined => {
  try {
    return staticKeys(profile, name)
  } catch {
    return undefined
  }
}

// The selected profile without any credential setting is "not configured" (the chain goes on, as
// the JS SDK's); the same in a source_profile is a broken chain.
const withTryNextLink = (resolve: () => BaseSource, selected: boolean): BaseSource => {
  try {
    return resolve()
  } catch (error) {
    if (selected && error instanceof CredentialsError && error.code === 'CredentialsNotFound')
      throw new CredentialsError(error.code, error.message, { tryNextLink: true })
    throw error
  }
}
