// A disk cache of results, so that a credential_process (which the AWS CLI and SDKs run again for
// every command, and again whenever the credentials are within 15 minutes of expiry) calls STS once
// per session instead of once per command.
//
// - Where: $EDGE_STS_CACHE_DIR, else $XDG_CACHE_HOME/edge-sts, else ~/.cache/edge-sts.
// - Key: SHA-256 of everything that shapes the call (command, parameters, source access key id,
//   region, endpoint); the file name is the key.
// - Files 0600 in a 0700 directory, written to a temporary file and renamed (readers never see
//   half a file); an entry owned by another user, readable by others, unparsable, or made for
//   another key is a miss.
// - An entry is used while more than 15 minutes remain (the AWS CLI's refresh window; an entry
//   inside it would make the caller run the process again at once), never after expiry.
import { createHash, randomUUID } from 'node:crypto'
import * as fs from 'node:fs/promises'

/** Entries are used while more than this many milliseconds remain before they expire. */
export const REFRESH_WINDOW_MS = 15 * 60 * 1000

const FORMAT = 'edge-sts-cache/1'

/** The file operations of the cache (default: `node:fs/promises`). */
export interface CacheFiles {
  mkdir: (path: string, options: { recursive: true; mode: number }) => Promise<unknown>
  stat: (path: string) => Promise<{ mode: number; uid: number; isDirectory(): boolean }>
  chmod: (path: string, mode: number) => Promise<void>
  readFile: (path: string, encoding: 'utf8') => Promise<string>
  writeFile: (path: string, data: string, options: { mode: number; flag: string }) => Promise<void>
  rename: (from: string, to: string) => Promise<void>
  unlink: (path: string) => Promise<void>
}

/** What the cache needs from the world; each has a default. */
export interface CacheOptions {
  files?: CacheFiles
  /** The clock in milliseconds since 1970 (default `Date.now`). */
  now?: () => number
  /** The current user id, to refuse entries of another user (default `process.getuid()` where it exists). */
  uid?: number
  /** Receives one line per decision (hit, miss and why, write) for `--debug`. */
  log?: (line: string) => void
}

/** The cache directory for this environment; undefined when there is no home to put it in. */
export const cacheDirectory = (env: Record<string, string | undefined>): string | undefined => {
  if (env.EDGE_STS_CACHE_DIR) return env.EDGE_STS_CACHE_DIR
  if (env.XDG_CACHE_HOME) return `${env.XDG_CACHE_HOME}/edge-sts`
  const home = env.HOME ?? env.USERPROFILE
  return home ? `${home}/.cache/edge-sts` : undefined
}

/** Hex SHA-256 of the JSON of `parts`: the cache key. */
export const cacheKey = (parts: unknown): string =>
  createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex')

/** A cached result and when it stops being usable. */
interface Entry {
  format: string
  key: string
  expiration: string
  result: unknown
}

// Dates do not survive JSON: the places that hold one are named.
const revive = (result: Record<string, any>): object => {
  const copy = { ...result }
  if (copy.Credentials?.Expiration !== undefined) {
    copy.Credentials = { ...copy.Credentials, Expiration: new Date(copy.Credentials.Expiration) }
  }
  if (typeof copy.Expiration === 'string') copy.Expiration = new Date(copy.Expiration)
  return copy
}

/** When a result stops working: its credentials' or its token's expiration. */
export const expirationOf = (result: object): Date | undefined => {
  const value = result as { Credentials?: { Expiration?: Date }; Expiration?: Date }
  const expiration = value.Credentials?.Expiration ?? value.Expiration
  return expiration instanceof Date && !Number.isNaN(expiration.getTime()) ? expiration : undefined
}

const processUid = (): number | undefined => {
  const getuid = (globalThis as { process?: { getuid?: () => number } }).process?.getuid
  return typeof getuid === 'function' ? getuid() : undefined
}

/** The disk cache in `directory`. */
export class DiskCache {
  readonly directory: string
  readonly #files: CacheFiles
  readonly #now: () => number
  readonly #uid: number | undefined
  readonly #log: (line: string) => void

  constructor(directory: string, options: CacheOptions = {}) {
    this.directory = directory
    this.#files = options.files ?? (fs as unknown as CacheFiles)
    this.#now = options.now ?? Date.now
    this.#uid = options.uid ?? processUid()
    this.#log = options.log ?? (() => {})
  }

  #path(key: string): string {
    return `${this.directory}/${key}.json`
  }

  // Another user's file, or one that others may read or change, is not trusted.
  #trusted(stat: { mode: number; uid: number }): boolean {
    if ((stat.mode & 0o077) !== 0) return false
    return this.#uid === undefined || stat.uid === this.#uid
  }

  /** The cached result for `key`, or undefined (absent, expiring within 15 minutes, or untrusted). */
  async get(key: string): Promise<object | undefined> {
    const path = this.#path(key)
    let text: string
    try {
      const stat = await this.#files.stat(path)
      if (!this.#trusted(stat)) {
        this.#log(`cache: ignoring ${path}: not a private file of this user`)
        return undefined
      }
      text = await this.#files.readFile(path, 'utf8')
    } catch (error) {
      const code = (error as { code?: string })?.code
      this.#log(
        `cache: miss (${code === 'ENOENT' ? 'no entry' : `unreadable: ${code ?? 'error'}`})`,
      )
      return undefined
    }
    let entry: Entry
    try {
      entry = JSON.parse(text)
    } catch {
      this.#log(`cache: ignoring ${path}: not JSON`)
      return undefined
    }
    const expiration = Date.parse(entry?.expiration)
    if (entry?.format !== FORMAT || entry.key !== key || typeof entry.result !== 'object') {
      this.#log(`cache: ignoring ${path}: not an entry for this call`)
      return undefined
    }
    if (!(expiration - this.#now() > REFRESH_WINDOW_MS)) {
      this.#log(`cache: miss (the entry expires at ${entry.expiration}, within 15 minutes)`)
      return undefined
    }
    this.#log(`cache: hit ${path} (expires ${entry.expiration})`)
    return revive(entry.result as Record<string, unknown>)
  }

  /** Stores `result` under `key` (0600, atomically). Failures are logged, never thrown. */
  async set(key: string, result: object, expiration: Date): Promise<void> {
    const path = this.#path(key)
    const temporary = `${path}.${randomUUID()}.tmp`
    const entry: Entry = { format: FORMAT, key, expiration: expiration.toISOString(), result }
    try {
      await this.#ensurePrivateDirectory()
      await this.#files.writeFile(temporary, JSON.stringify(entry), { mode: 0o600, flag: 'wx' })
      await this.#files.rename(temporary, path)
      this.#log(`cache: wrote ${path}`)
    } catch (error) {
      this.#log(`cache: not written (${(error as { code?: string })?.code ?? 'error'})`)
      await this.#files.unlink(temporary).catch(() => {})
    }
  }

  async #ensurePrivateDirectory(): Promise<void> {
    await this.#files.mkdir(this.directory, { recursive: true, mode: 0o700 })
    const stat = await this.#files.stat(this.directory)
    if (this.#uid !== undefined && stat.uid !== this.#uid) {
      throw Object.assign(new Error('the cache directory belongs to another user'), {
        code: 'EPERM',
      })
    }
    if ((stat.mode & 0o077) !== 0) await this.#files.chmod(this.directory, 0o700)
  }
}
