// Where the command's source credentials and region come from: the file-system credential chain
// of `edge-sts/node` (environment keys, `--profile` / AWS_PROFILE profiles with role chains, SSO,
// credential_process and web identity, token files, container and instance endpoints), and the
// region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile.
import type { Credentials } from '../index.js'
// The file-system entry, imported whole: the built CLI loads dist/node.js, as it loads dist/index.js.
import { fromNodeProviderChain, resolveRegion } from '../node/index.js'
import { CliConfigurationError } from './usage.ts'

/** What the CLI asks of the world to find credentials and a region. */
export interface SourceRequest {
  /** `--profile`, else undefined (the chain then reads AWS_PROFILE). */
  profile?: string
  env: Record<string, string | undefined>
  fetch?: typeof fetch
}

/** Source credentials for the call, once: the CLI makes one call per run. */
export const sourceCredentials = async (request: SourceRequest): Promise<Credentials> => {
  const provider = fromNodeProviderChain({
    profile: request.profile,
    env: request.env,
    ...(request.fetch === undefined ? {} : { fetch: request.fetch }),
  })
  return provider()
}

/** The region of `--region`, else of the environment or the profile; a configuration error if none. */
export const sourceRegion = async (
  request: SourceRequest & { region?: string },
): Promise<string> => {
  if (request.region !== undefined) return request.region
  const region = await resolveRegion({ profile: request.profile, env: request.env })
  if (region === undefined) {
    throw new CliConfigurationError(
      'no region: give --region, set AWS_REGION (or AWS_DEFAULT_REGION), or add region to the profile',
    )
  }
  return region
}
