// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// What every file-system source shares: the credential shape with the account id, and the defaults
// of the options that touch the world.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import type { AwsCredentialIdentity, RefreshOptions } from '../credentials.ts'
import type { Environment, SourceOptions } from './options.ts'

/** Credentials as the AWS SDK v3 sources return them: with the account id when the source knows it. */
export interface NodeCredentialIdentity extends AwsCredentialIdentity {
  /** The AWS account the credentials belong to (`AWS_ACCOUNT_ID`, `AccountId`, `aws_account_id`). */
  accountId?: string
  /** The credential scope (`AWS_CREDENTIAL_SCOPE`), as the AWS SDK v3 `fromEnv` reads it. */
  credentialScope?: string
}

/** A function that returns fresh credentials, as every source of `edge-sts/node` does. */
export type NodeCredentialProvider = () => Promise<NodeCredentialIdentity>

/** {@link SourceOptions} with every default filled in. */
export type ResolvedSourceOptions = Required<SourceOptions>

const readUtf8 = (path: string): Promise<string> => readFile(path, 'utf8')

/** Fills in the defaults: `process.env`, `node:fs/promises`, the global `fetch`, `Date.now`, `os.homedir`. */
export const withDefaults = (options: SourceOptions = {}): ResolvedSourceOptions => ({
  env: options.env ?? (process.env as Environment),
  readFile: options.readFile ?? readUtf8,
  fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  now: options.now ?? Date.now,
  homedir: options.homedir ?? homedir,
})

/** An environment variable's value, or `undefined` when it is unset or blank. */
export const envValue = (env: Environment, name: string): string | undefined => {
  if (!Object.hasOwn(env, name)) return undefined
  const value = env[name]
  if (value === undefined || value.trim() === '') return undefined
  return value
}

/**
 * The refresh options a source hands to `cachedProvider`, with its clock: `now` is part of
 * `RefreshOptions` once the caching provider takes a clock, and ignored before.
 */
export const refreshOptionsOf = (
  options: RefreshOptions & { now?: () => number },
): RefreshOptions & { now?: () => number } => ({
  refreshWindowMs: options.refreshWindowMs,
  onRefreshError: options.onRefreshError,
  now: options.now,
})
