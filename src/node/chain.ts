// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import { containerCredentialsUrl, fromContainerMetadata } from './container-metadata.ts'
import { fromEnv } from './env.ts'
import { CredentialsError } from './errors.ts'
import { fromIni, type FromIniOptions } from './ini.ts'
import { fromInstanceMetadata } from './instance-metadata.ts'
import { fromProcess } from './process.ts'
import {
  envValue,
  refreshOptionsOf,
  withDefaults,
  type NodeCredentialIdentity,
  type NodeCredentialProvider,
} from './provider.ts'
import { fromSSO, type FromSsoOptions } from './sso.ts'
import { fromTokenFile } from './token-file.ts'

/**
 * Options of {@link fromNodeProviderChain}: what every source takes ({@link SourceOptions}: `env`,
 * `readFile`, `fetch`, `now`, `homedir`), the profile and its options, and the SSO settings that
 * turn the SSO source on.
 */
export interface NodeProviderChainOptions
  extends
    FromIniOptions,
    Pick<
      FromSsoOptions,
      'ssoStartUrl' | 'ssoRegion' | 'ssoAccountId' | 'ssoRoleName' | 'ssoSession' | 'writeFile'
    > {
  /** The profile of the config and credentials files (default: `AWS_PROFILE`, else `default`). Giving one skips the environment keys. */
  profile?: string
  /** Time limit of each container or instance metadata attempt (default 1000 ms). */
  metadataTimeoutMs?: number
  /** Cancels container and instance metadata requests. */
  signal?: AbortSignal
}

const hasSsoOptions = (options: NodeProviderChainOptions): boolean =>
  options.ssoStartUrl !== undefined ||
  options.ssoRegion !== undefined ||
  options.ssoAccountId !== undefined ||
  options.ssoRoleName !== undefined ||
  options.ssoSession !== undefined

/** One link of the chain: its name in messages, and the provider (undefined: skipped, with why). */
interface Link {
  name: string
  provider?: NodeCredentialProvider
  skipped?: string
}

const links = (options: NodeProviderChainOptions): Link[] => {
  const { env } = withDefaults(options)
  const profile = options.profile ?? envValue(env, 'AWS_PROFILE')
  const result: Link[] = []
  // As the AWS SDK for JavaScript v3: a profile named in code or by AWS_PROFILE wins over the keys.
  if (profile === undefined) result.push({ name: 'environment', provider: fromEnv(options) })
  else result.push({ name: 'environment', skipped: `skipped: profile ${profile} is selected` })
  // Only with SSO settings in code, as the AWS SDK v3: an SSO profile is fromIni's.
  if (hasSsoOptions(options)) result.push({ name: 'SSO', provider: fromSSO(options) })
  else result.push({ name: 'SSO', skipped: 'skipped: no SSO settings were given in code' })
  result.push({ name: 'profile', provider: fromIni(options) })
  result.push({ name: 'credential_process', provider: fromProcess(options) })
  result.push({ name: 'web identity token file', provider: fromTokenFile(options) })
  result.push(remote(options))
  return result
}

// The container endpoint when its variables are set, else the instance metadata service.
const remote = (options: NodeProviderChainOptions): Link => {
  const { env } = withDefaults(options)
  let containerConfigured = true
  try {
    containerCredentialsUrl(env)
  } catch (error) {
    if (error instanceof CredentialsError && error.tryNextLink) containerConfigured = false
  }
  if (containerConfigured)
    return { name: 'container credentials', provider: fromContainerMetadata(options) }
  return { name: 'instance metadata', provider: fromInstanceMetadata(options) }
}

/**
 * The default credential chain for Node, Deno and Bun, in the order of the AWS SDK for JavaScript
 * v3 (`defaultProvider`): environment keys → profile (config and credentials files, role chains,
 * SSO, web identity, `credential_process`) → web identity token file → container endpoint, or
 * else the instance metadata service. A profile named in code or by `AWS_PROFILE` skips the
 * environment keys, as in the AWS SDK for JavaScript.
 *
 * A source that is not configured hands over to the next one; a source that is configured but
 * broken stops the chain with its own error. When no source applies, rejects with a
 * {@link CredentialsError} `CredentialsNotFound` whose message says why each one was skipped.
 * The result is cached until 5 minutes before it expires.
 *
 * @example
 * const credentials = fromNodeProviderChain({ profile: 'dev' })
 */
export const fromNodeProviderChain = (
  options: NodeProviderChainOptions = {},
): NodeCredentialProvider => {
  const get = async (): Promise<NodeCredentialIdentity> => {
    const reasons: string[] = []
    for (const link of links(options)) {
      if (link.provider === undefined) {
        reasons.push(`${link.name}: ${link.skipped}`)
        continue
      }
      try {
        return await link.provider()
      } catch (error) {
        if (!(error instanceof CredentialsError) || !error.tryNextLink) throw error
        // Each source's own message, named once.
        const named = error.message.startsWith(`${link.name}: `)
        reasons.push(named ? error.message : `${link.name}: ${error.message}`)
      }
    }
    throw new CredentialsError(
      'CredentialsNotFound',
      `no credentials found; the sources, in order:\n${reasons.map((reason) => `- ${reason}`).join('\n')}`,
      { tryNextLink: true },
    )
  }
  return cachedProvider(get, refreshOptionsOf(options))
}

/** The AWS SDK v3 name of {@link fromNodeProviderChain}. */
export const defaultProvider: (options?: NodeProviderChainOptions) => NodeCredentialProvider =
  fromNodeProviderChain
