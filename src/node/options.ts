// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig, which has no node: modules.
// What a credential source touches in the world. Every field has a default, so the same code runs
// against replayed data (the cross-SDK scenarios), local servers and the real thing.

/** Environment variables as a plain record (`process.env` has this shape). */
export type Environment = Record<string, string | undefined>

/** What a credential source reads, calls and asks for the time; each has a default. */
export interface SourceOptions {
  /** Environment variables (default: `process.env`). */
  env?: Environment
  /**
   * Reads a UTF-8 text file. Rejects with an error whose `code` is `ENOENT` when the file does
   * not exist (default: `readFile` of `node:fs/promises`).
   */
  readFile?: (path: string) => Promise<string>
  /** The `fetch` used for container, instance, SSO and STS requests (default: the global one). */
  fetch?: typeof fetch
  /** The clock, in milliseconds since 1970 (default: `Date.now`). */
  now?: () => number
  /** The home directory when the environment names none (default: `os.homedir()`). */
  homedir?: () => string
}
