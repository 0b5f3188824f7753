// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// The shared AWS config and credentials files: where they are, how they parse, how they merge, and
// which profile is selected. Conforms to the cross-SDK cases of smithy-rs
// (profile-parser-tests.json, file-location-tests.json); where those say nothing, it behaves as the
// AWS SDK for JavaScript v3.
import { readFile as readTextFile } from 'node:fs/promises'
import { homedir as osHomedir, platform as osPlatform } from 'node:os'
import { posix, win32 } from 'node:path'
import { CredentialsError } from './errors.ts'
import type { Environment, SourceOptions } from './options.ts'

/**
 * The properties of one section (a profile, an `sso-session`, a `services` section). Property
 * names are lower case; values are trimmed. A property with sub-properties (`s3 =` followed by
 * indented `name = value` lines) holds them as its value, one per line after a leading newline
 * (`"\nname = value"`), as the cross-SDK cases define. A null-prototype object: look names up with
 * `Object.hasOwn` or {@link propertyOf}.
 */
export type ProfileSection = Record<string, string>

/** Sections by name; a null-prototype object. */
export type Sections = Record<string, ProfileSection>

/** What one file holds. */
export interface ParsedProfileFile {
  /** `[profile name]` and `[default]` sections of a config file, `[name]` of a credentials file. */
  profiles: Sections
  /** `[sso-session name]` sections (config file only). */
  ssoSessions: Sections
  /** `[services name]` sections (config file only). */
  services: Sections
}

/** The two files, read and merged. */
export interface SharedConfigFiles extends ParsedProfileFile {
  /** Path of the config file that was looked at (it may not exist). */
  configFile: string
  /** Path of the credentials file that was looked at (it may not exist). */
  credentialsFile: string
}

/** Which kind of file is parsed: the rules for section headers differ. */
export type ProfileFileKind = 'config' | 'credentials'

/** Options to find the files: {@link SourceOptions} plus the platform (for path separators). */
export interface FileLocationOptions extends SourceOptions {
  /** `win32`/`windows` joins paths with `\` (default: the running platform). */
  platform?: string
}

const newSections = (): Sections => Object.create(null) as Sections
const newSection = (): ProfileSection => Object.create(null) as ProfileSection

/** Characters of profile, section and property names (the cross-SDK cases and the JS SDK agree). */
const NAME = /^[A-Za-z0-9_\-/.%@+:]+$/

// `__proto__` is a valid name by the character rules; the JS SDK ignores it, and so does this
// parser, so that no consumer that copies sections into ordinary objects can be tricked.
const isValidName = (name: string): boolean => NAME.test(name) && name !== '__proto__'

/** An own property of a section, or `undefined` (names supplied by users are never inherited). */
export const propertyOf = (
  section: ProfileSection | undefined,
  name: string,
): string | undefined => {
  if (section === undefined || !Object.hasOwn(section, name)) return undefined
  return section[name]
}

/** An own section by name, or `undefined`. */
export const sectionOf = (sections: Sections, name: string): ProfileSection | undefined => {
  if (!Object.hasOwn(sections, name)) return undefined
  return sections[name]
}

/**
 * The selected profile's section; a missing one is `ProfileNotFound` with `tryNextLink` (the chain
 * goes on to its next source).
 */
export const requireProfile = (files: SharedConfigFiles, profileName: string): ProfileSection => {
  const profile = sectionOf(files.profiles, profileName)
  if (profile === undefined)
    throw new CredentialsError(
      'ProfileNotFound',
      `Profile \`${profileName}\` not found in ${files.configFile} or ${files.credentialsFile}`,
      { tryNextLink: true },
    )
  return profile
}

const nonEmpty = (value: string | undefined): string | undefined => {
  if (value === undefined || value === '') return undefined
  return value
}

const isWindows = (platform: string): boolean => platform === 'win32' || platform === 'windows'

/**
 * The home directory: `HOME`, else `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH` (drive `C:\` when
 * only `HOMEPATH` is set), else `options.homedir()` (default `os.homedir()`), as the AWS SDK for
 * JavaScript v3.
 */
export const homeDirectory = (options: FileLocationOptions = {}): string => {
  const env = options.env ?? process.env
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE)
  if (home !== undefined) return home
  const homePath = nonEmpty(env.HOMEPATH)
  if (homePath !== undefined) {
    const separator = isWindows(options.platform ?? osPlatform()) ? '\\' : '/'
    return `${nonEmpty(env.HOMEDRIVE) ?? `C:${separator}`}${homePath}`
  }
  return (options.homedir ?? osHomedir)()
}

/** Where the config and credentials files are. */
export interface SharedFilePaths {
  /** `AWS_CONFIG_FILE`, else `~/.aws/config`. */
  configFile: string
  /** `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`. */
  credentialsFile: string
}

/**
 * The paths of the two files: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` when set (a
 * leading `~/` is the home directory), else `.aws/config` and `.aws/credentials` in
 * {@link homeDirectory}.
 */
export const sharedFilePaths = (options: FileLocationOptions = {}): SharedFilePaths => {
  const env: Environment = options.env ?? process.env
  const path = isWindows(options.platform ?? osPlatform()) ? win32 : posix
  let home: string | undefined
  const inHome = (...parts: string[]): string => {
    if (home === undefined) home = homeDirectory(options)
    return path.join(home, ...parts)
  }
  const fromVariable = (value: string | undefined, fallback: string): string => {
    if (value === undefined || value === '') return inHome('.aws', fallback)
    if (value.startsWith('~/') || value.startsWith('~\\')) return inHome(value.slice(2))
    return value
  }
  return {
    configFile: fromVariable(env.AWS_CONFIG_FILE, 'config'),
    credentialsFile: fromVariable(env.AWS_SHARED_CREDENTIALS_FILE, 'credentials'),
  }
}

/**
 * The profile in use: `options.profile`, else `AWS_PROFILE`, else `default` (empty values count as
 * unset).
 */
export const selectedProfileName = (options: SourceOptions & { profile?: string } = {}): string => {
  const env = options.env ?? process.env
  return nonEmpty(options.profile) ?? nonEmpty(env.AWS_PROFILE) ?? 'default'
}

// ---------------------------------------------------------------------------------------------
// Parser

const parseError = (file: string, line: number, problem: string, fix: string): CredentialsError =>
  // The message names the file and the line, never the line's text (it may hold a secret key).
  new CredentialsError(
    'InvalidConfigFile',
    `could not parse profile file ${file} at line ${line}: ${problem}. ${fix}`,
  )

/** The property that indented lines continue. */
interface CurrentProperty {
  section: ProfileSection
  name: string
  /** Defined with an empty value: the indented lines are `name = value` sub-properties. */
  hasSubProperties: boolean
}

/** Where a parse error is: the file and the 1-based line. */
interface Position {
  file: string
  line: number
}

/** What a file has produced so far. */
interface ParseState extends ParsedProfileFile {
  kind: ProfileFileKind
  /** `[default]` of a config file, kept apart until we know whether `[profile default]` exists. */
  bareDefault: ProfileSection
  hasBareDefault: boolean
  hasPrefixedDefault: boolean
}

const isBlank = (line: string): boolean => line.trim() === ''

// A full-line comment starts with `#` or `;` (indented ones too, as the JS SDK reads them).
const isComment = (line: string): boolean => /^\s*[#;]/.test(line)

const isIndented = (line: string): boolean => line.startsWith(' ') || line.startsWith('\t')

// An inline comment starts at `#` or `;` preceded by whitespace; `value;x` keeps `;x`.
const withoutInlineComment = (value: string): string => value.replace(/\s[#;].*$/, '')

/** The name inside `[...]`; only a comment may follow the `]`. */
const sectionHeader = (line: string, at: Position): string => {
  const trimmed = line.trim()
  const close = trimmed.indexOf(']')
  if (close === -1)
    throw parseError(at.file, at.line, "Profile definition must end with ']'", 'Close the header')
  const rest = trimmed.slice(close + 1).trim()
  if (rest !== '' && !rest.startsWith('#') && !rest.startsWith(';'))
    throw parseError(
      at.file,
      at.line,
      "Unexpected text after ']'",
      'Only a comment (starting with # or ;) may follow a section header',
    )
  return trimmed.slice(1, close).trim()
}

/** `profile  name` → `name` when `header` starts with `prefix` and whitespace, else `undefined`. */
const afterPrefix = (header: string, prefix: string): string | undefined => {
  const match = new RegExp(`^${prefix}[ \\t]+(.*)$`).exec(header)
  if (match === null) return undefined
  return match[1].trim()
}

const sectionIn = (sections: Sections, name: string): ProfileSection => {
  if (!Object.hasOwn(sections, name)) sections[name] = newSection()
  return sections[name]
}

/**
 * Where the properties under a header go. Sections that do not count (invalid names, a bare
 * `[name]` in a config file, `[profile name]` in a credentials file) get a throwaway object: their
 * lines are still checked, their properties dropped.
 */
const openSection = (header: string, state: ParseState): ProfileSection => {
  if (state.kind === 'credentials') {
    if (!isValidName(header)) return newSection()
    return sectionIn(state.profiles, header)
  }
  if (header === 'default') {
    state.hasBareDefault = true
    return state.bareDefault
  }
  const prefixes: [string, Sections][] = [
    ['profile', state.profiles],
    ['sso-session', state.ssoSessions],
    ['services', state.services],
  ]
  for (const [prefix, sections] of prefixes) {
    const name = afterPrefix(header, prefix)
    if (name === undefined) continue
    if (!isValidName(name)) return newSection()
    if (prefix === 'profile' && name === 'default') state.hasPrefixedDefault = true
    return sectionIn(sections, name)
  }
  // A bare `[name]` in a config file is not a profile (the AWS CLI ignores it too).
  return newSection()
}

/**
 * Appends an indented line to the property above it, trimmed and otherwise as written (as the
 * cross-SDK parser does). Under a property with an empty value the line must be a `name = value`
 * sub-property ({@link subPropertiesOf} reads them).
 */
const continueProperty = (property: CurrentProperty, line: string, at: Position): void => {
  const continuation = line.trim()
  if (property.hasSubProperties) {
    const equals = continuation.indexOf('=')
    if (equals === -1)
      throw parseError(
        at.file,
        at.line,
        "Expected an '=' sign defining a sub-property",
        'Write indented sub-properties as name = value',
      )
    if (continuation.slice(0, equals).trim() === '')
      throw parseError(
        at.file,
        at.line,
        'Sub-property did not have a name',
        'Write indented sub-properties as name = value',
      )
  }
  property.section[property.name] += `\n${continuation}`
}

/** Reads `name = value` (name lower case, inline comment removed) into `section`. */
const defineProperty = (section: ProfileSection, line: string, at: Position): CurrentProperty => {
  const equals = line.indexOf('=')
  if (equals === -1)
    throw parseError(
      at.file,
      at.line,
      "Expected an '=' sign defining a property",
      'Write properties as name = value',
    )
  const name = line.slice(0, equals).trim().toLowerCase()
  if (name === '')
    throw parseError(
      at.file,
      at.line,
      'Property did not have a name',
      'Write properties as name = value',
    )
  const value = withoutInlineComment(line.slice(equals)).slice(1).trim()
  // Properties with invalid names are dropped; their continuation lines go with them.
  const target = isValidName(name) ? section : newSection()
  target[name] = value
  return { section: target, name, hasSubProperties: value === '' }
}

/**
 * Parses one config or credentials file. Throws a {@link CredentialsError} `InvalidConfigFile`
 * naming `fileName` and the line (never its text) for what cannot be read: a property outside a
 * section, a header without `]`, a property without `=` or without a name, an indented line with
 * nothing to continue. Sections and properties with invalid names are ignored, as are `[name]`
 * sections of a config file other than `[default]` and `[profile name]` sections of a credentials
 * file. In a config file, `[profile default]` wins over `[default]` wherever it appears.
 */
export const parseProfileFile = (
  text: string,
  kind: ProfileFileKind,
  fileName: string,
): ParsedProfileFile => {
  const state: ParseState = {
    kind,
    profiles: newSections(),
    ssoSessions: newSections(),
    services: newSections(),
    bareDefault: newSection(),
    hasBareDefault: false,
    hasPrefixedDefault: false,
  }
  let section: ProfileSection | undefined
  let property: CurrentProperty | undefined
  const lines = text.split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]
    const at: Position = { file: fileName, line: index + 1 }
    if (isBlank(line) || isComment(line)) continue
    if (line.trimStart().startsWith('[')) {
      section = openSection(sectionHeader(line, at), state)
      property = undefined
    } else if (section === undefined) {
      throw parseError(
        at.file,
        at.line,
        'Expected a profile definition',
        'Put properties under a section header such as [profile name] (config) or [name] (credentials)',
      )
    } else if (!isIndented(line)) {
      property = defineProperty(section, line, at)
    } else if (property === undefined) {
      throw parseError(
        at.file,
        at.line,
        'Expected a property definition, found continuation',
        'An indented line continues the property above it: remove the indentation',
      )
    } else {
      continueProperty(property, line, at)
    }
  }
  if (state.hasBareDefault && !state.hasPrefixedDefault) state.profiles.default = state.bareDefault
  return { profiles: state.profiles, ssoSessions: state.ssoSessions, services: state.services }
}

const mergeSections = (base: Sections, over: Sections): Sections => {
  const merged = newSections()
  for (const name of Object.keys(base)) merged[name] = Object.assign(newSection(), base[name])
  for (const name of Object.keys(over)) {
    if (!Object.hasOwn(merged, name)) merged[name] = newSection()
    Object.assign(merged[name], over[name])
  }
  return merged
}

/**
 * Merges a parsed config file and a parsed credentials file: profiles in both get the keys of
 * both, the credentials file winning key by key.
 */
export const mergeProfileFiles = (
  config: ParsedProfileFile,
  credentials: ParsedProfileFile,
): ParsedProfileFile => ({
  profiles: mergeSections(config.profiles, credentials.profiles),
  ssoSessions: mergeSections(config.ssoSessions, credentials.ssoSessions),
  services: mergeSections(config.services, credentials.services),
})

const EMPTY_FILE: ParsedProfileFile = {
  profiles: newSections(),
  ssoSessions: newSections(),
  services: newSections(),
}

const readIfPresent = async (
  read: (path: string) => Promise<string>,
  path: string,
): Promise<string | undefined> => {
  try {
    return await read(path)
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new CredentialsError(
      'InvalidConfigFile',
      `could not read ${path} (${typeof code === 'string' ? code : 'read failed'}): check that it is a readable file, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere`,
      { cause: error },
    )
  }
}

/**
 * Reads, parses and merges the config and credentials files ({@link sharedFilePaths}). A missing
 * file counts as empty; an unreadable or malformed one throws a {@link CredentialsError}
 * (`InvalidConfigFile`, naming the file and the line).
 */
export const loadSharedConfigFiles = async (
  options: FileLocationOptions = {},
): Promise<SharedConfigFiles> => {
  const paths = sharedFilePaths(options)
  const read = options.readFile ?? ((path: string) => readTextFile(path, 'utf8'))
  const [configText, credentialsText] = await Promise.all([
    readIfPresent(read, paths.configFile),
    readIfPresent(read, paths.credentialsFile),
  ])
  const config =
    configText === undefined ? EMPTY_FILE : parseProfileFile(configText, 'config', paths.configFile)
  const credentials =
    credentialsText === undefined
      ? EMPTY_FILE
      : parseProfileFile(credentialsText, 'credentials', paths.credentialsFile)
  return { ...mergeProfileFiles(config, credentials), ...paths }
}

/**
 * The region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the `region` of the selected profile
 * ({@link selectedProfileName}); `undefined` when none is set. Throws for a malformed file.
 *
 * @example
 * const region = (await resolveRegion()) ?? 'us-east-1'
 */
export const resolveRegion = async (
  options: SourceOptions & { profile?: string } = {},
): Promise<string | undefined> => {
  const env = options.env ?? process.env
  const fromEnv = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
  if (fromEnv !== undefined) return fromEnv
  const files = await loadSharedConfigFiles(options)
  const profile = sectionOf(files.profiles, selectedProfileName(options))
  return nonEmpty(propertyOf(profile, 'region'))
}

// ---------------------------------------------------------------------------------------------
// Settings shared by every client of the credential sources (STS, SSO, SSO OIDC)

/**
 * The sub-properties of a property that has them (`sts =` then indented `name = value` lines), as
 * a null-prototype object with lower-case names.
 */
export const subPropertiesOf = (value: string | undefined): ProfileSection => {
  const properties = newSection()
  if (value === undefined) return properties
  for (const line of value.split('\n')) {
    const equals = line.indexOf('=')
    if (equals === -1) continue
    const name = line.slice(0, equals).trim().toLowerCase()
    const subValue = withoutInlineComment(line.slice(equals)).slice(1).trim()
    if (isValidName(name)) properties[name] = subValue
  }
  return properties
}

const isTrue = (value: string | undefined): boolean => value?.trim().toLowerCase() === 'true'

/** The AWS service a credential source calls, with the names its settings use. */
export interface ServiceNames {
  /** Suffix of `AWS_ENDPOINT_URL_…`, e.g. `STS`, `SSO`, `SSO_OIDC`. */
  environment: string
  /** Key inside a `[services …]` section, e.g. `sts`, `sso`, `sso_oidc`. */
  profile: string
}

/**
 * The configured endpoint URL of a service, as the AWS SDKs read it: nothing when
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or the profile's `ignore_configured_endpoint_urls` is
 * true; else `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the service's `endpoint_url` in the
 * profile's `[services …]` section, the profile's `endpoint_url`.
 */
export const configuredEndpoint = (
  files: ParsedProfileFile,
  profileName: string,
  env: Environment,
  service: ServiceNames,
): string | undefined => {
  const profile = sectionOf(files.profiles, profileName)
  const ignore =
    nonEmpty(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ??
    propertyOf(profile, 'ignore_configured_endpoint_urls')
  if (isTrue(ignore)) return undefined
  const fromEnv =
    nonEmpty(env[`AWS_ENDPOINT_URL_${service.environment}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL)
  if (fromEnv !== undefined) return fromEnv
  const servicesName = propertyOf(profile, 'services')
  if (servicesName !== undefined) {
    const section = sectionOf(files.services, servicesName)
    const settings = subPropertiesOf(propertyOf(section, service.profile))
    const fromServices = nonEmpty(propertyOf(settings, 'endpoint_url'))
    if (fromServices !== undefined) return fromServices
  }
  return nonEmpty(propertyOf(profile, 'endpoint_url'))
}

/** FIPS and dual-stack choices: `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` and the dual-stack pair. */
export interface EndpointVariant {
  fips: boolean
  dualStack: boolean
}

/** Reads {@link EndpointVariant} from the environment, then the profile. */
export const endpointVariant = (
  files: ParsedProfileFile,
  profileName: string,
  env: Environment,
): EndpointVariant => {
  const profile = sectionOf(files.profiles, profileName)
  return {
    fips: isTrue(nonEmpty(env.AWS_USE_FIPS_ENDPOINT) ?? propertyOf(profile, 'use_fips_endpoint')),
    dualStack: isTrue(
      nonEmpty(env.AWS_USE_DUALSTACK_ENDPOINT) ?? propertyOf(profile, 'use_dualstack_endpoint'),
    ),
  }
}

/**
 * The default endpoint of an AWS service with the FIPS and dual-stack variants:
 * `https://{prefix}[-fips].{region}.amazonaws.com` or, dual-stack, `….api.aws`
 * (`.amazonaws.com.cn` / `.api.amazonwebservices.com.cn` in China).
 */
export const serviceEndpoint = (
  prefix: string,
  region: string,
  variant: EndpointVariant,
): string => {
  const host = variant.fips ? `${prefix}-fips` : prefix
  const china = region.startsWith('cn-')
  if (variant.dualStack) {
    const domain = china ? 'api.amazonwebservices.com.cn' : 'api.aws'
    return `https://${host}.${region}.${domain}`
  }
  return `https://${host}.${region}.amazonaws.com${china ? '.cn' : ''}`
}
