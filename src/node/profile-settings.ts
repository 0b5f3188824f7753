// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// The keys of the selected profile, for the sources that read one or two of them (the instance
// metadata endpoint and mode).
import type { ResolvedSourceOptions } from './provider.ts'
import { loadSharedConfigFiles, sectionOf, selectedProfileName } from './shared-files.ts'

/**
 * The selected profile's keys (`profile`, else `AWS_PROFILE`, else `default`); empty when there is
 * no config file or no such profile. Throws `InvalidConfigFile` for a malformed file.
 */
export const profileSettings = async (
  options: ResolvedSourceOptions,
  profile?: string,
): Promise<Record<string, string | undefined>> => {
  const files = await loadSharedConfigFiles(options)
  return sectionOf(files.profiles, selectedProfileName({ ...options, profile })) ?? {}
}
