// The shared credential cache of a fleet: values sealed with AES-256-GCM under a key derived with
// HKDF from the user's secret, entries named by an HMAC of what shapes the credentials, store calls
// under a time limit, a lease so that few instances refresh at once, and the order memory → store →
// STS. Everything here is web-standard (crypto.subtle); nothing is imported unless `sharedCache` is.
import type { AwsCredentialIdentity } from './credentials.ts'
import { utf8 } from './encode.ts'
import { EdgeStsError, StsValidationError } from './errors.ts'

/** Expiry of a stored value or lease, in seconds since 1970 (Workers KV's `expiration`). */
export interface SharedCacheStoreOptions {
  expiration: number
}

/**
 * Where a fleet keeps its credentials: the Workers KV shape, so a KV namespace binding is one as
 * it is. The values it holds are encrypted; the keys are opaque.
 */
export interface SharedCacheStore {
  /** The value stored under `key`, or `null`. */
  get(key: string): Promise<string | null>
  /** Stores `value` under `key` until `options.expiration`. */
  put(key: string, value: string, options: SharedCacheStoreOptions): Promise<void>
  /**
   * Optional: stores `value` only when `key` holds no unexpired value, atomically, and tells
   * whether it did. Stores that have it (the Durable Object, Deno KV) let exactly one instance
   * refresh; without it a lease is put and read back, which an eventually consistent store (Workers
   * KV) honours only where the write is already visible.
   */
  add?(key: string, value: string, options: SharedCacheStoreOptions): Promise<boolean>
}

/** The `sharedCache` option of the caching providers. */
export interface SharedCacheOptions {
  /** The store: a Workers KV namespace, or `denoKvStore`, `cacheApiStore`, `durableObjectStore`. */
  store: SharedCacheStore
  /**
   * At least 32 characters (e.g. `openssl rand -base64 32`), kept as a Worker or Deploy secret: the
   * values are encrypted and the keys named under keys derived from it. Every instance of the fleet
   * needs the same one; another secret reads nothing (a miss) and writes its own entries.
   */
  secret: string
  /**
   * What else shapes the credentials beyond what the provider knows (a tenant, the subject of a
   * web-identity token read by a function). Required by `cachedProvider`, whose `get` is opaque.
   */
  key?: string
  /** Time limit of each store call (default 1000 ms); a store that fails or hangs means STS. */
  timeoutMs?: number
  /** How long an instance without credentials waits for another's refresh (default 5000 ms). */
  waitMs?: number
  /**
   * How long before the refresh window one instance may refresh for the fleet while the others keep
   * the still-valid credentials (default 1200000 ms; at most half of what the credentials live
   * outside the refresh window). The chance of refreshing at a look at the store grows from e⁻¹⁰ to
   * 1 across this span, so that on an eventually consistent store few instances refresh at once.
   */
  earlyRefreshMs?: number
}

/** @internal What the caching provider gives the shared cache. */
export interface SharedCacheContext {
  refreshWindowMs: number
  now: () => number
  report: (error: unknown) => void
}

/** @internal The shared cache of one provider, as the caching provider drives it. */
export interface SharedCache {
  /** The early-refresh span before the refresh window of these credentials. */
  earlySpan(credentials: AwsCredentialIdentity): number
  /** No usable credentials in memory: the store's, another instance's refresh, or `fromSource`'s. */
  fetch(
    describe: () => Promise<unknown>,
    fromSource: () => Promise<AwsCredentialIdentity>,
  ): Promise<AwsCredentialIdentity>
  /**
   * `current` is valid but near its refresh window: newer credentials from the store, or from
   * `fromSource` when this instance wins the draw and the lease, or `undefined` (keep `current`).
   */
  refreshEarly(
    describe: () => Promise<unknown>,
    fromSource: () => Promise<AwsCredentialIdentity>,
    current: AwsCredentialIdentity,
  ): Promise<AwsCredentialIdentity | undefined>
}

const MIN_SECRET_LENGTH = 32
// Workers KV takes no expiration closer than 60 s (by its own clock): a margin for transit and skew.
const MIN_STORE_MS = 65000
const LEASE_MS = MIN_STORE_MS
const FIRST_POLL_MS = 50
const RETRY_WRITE_MS = 1100
const MAX_POLL_MS = 500

const cacheError = (message: string, cause?: unknown) =>
  new EdgeStsError('SharedCacheError', `shared cache: ${message}`, { cause })

const toBase64Url = (bytes: Uint8Array): string => {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const fromBase64Url = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))

/** JSON with object keys sorted at every level: one description, one text, one key. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_name, inner: unknown) => {
    if (!inner || typeof inner != 'object' || Array.isArray(inner)) return inner
    const entries = Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return Object.fromEntries(entries)
  })

interface DerivedKeys {
  sealing: CryptoKey
  naming: CryptoKey
}

const deriveKeys = async (secret: string): Promise<DerivedKeys> => {
  const material = await crypto.subtle.importKey('raw', utf8.encode(secret), 'HKDF', false, [
    'deriveKey',
  ])
  const derive = (
    info: string,
    algorithm: AesKeyGenParams | HmacKeyGenParams,
    usages: KeyUsage[],
  ) =>
    crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: utf8.encode('edge-sts shared credential cache'),
        info: utf8.encode(info),
      },
      material,
      algorithm,
      false,
      usages,
    )
  const [sealing, naming] = await Promise.all([
    derive('v1 sealing', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
    derive('v1 naming', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign']),
  ])
  return { sealing, naming }
}

/** Sealed value: `v1.{iv}.{ciphertext and tag}`, base64url; the cache key is the additional data. */
const seal = async (
  keys: DerivedKeys,
  cacheKey: string,
  credentials: AwsCredentialIdentity,
  issuedAt: number | undefined,
): Promise<string> => {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const plaintext = utf8.encode(
    JSON.stringify({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: +credentials.expiration!,
      issuedAt,
    }),
  )
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8.encode(cacheKey) },
    keys.sealing,
    plaintext,
  )
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`
}

/**
 * The credentials sealed in `value` for `cacheKey`, or `undefined` for anything else: not a sealed
 * value, sealed under another secret or for another key, altered, truncated, or not credentials.
 */
const open = async (
  keys: DerivedKeys,
  cacheKey: string,
  value: unknown,
): Promise<{ credentials: AwsCredentialIdentity; issuedAt?: number } | undefined> => {
  const parts = typeof value == 'string' ? /^v1\.([\w-]{16})\.([\w-]{24,})$/.exec(value) : null
  if (!parts) return undefined
  let fields: Record<string, unknown>
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(parts[1]!), additionalData: utf8.encode(cacheKey) },
      keys.sealing,
      fromBase64Url(parts[2]!),
    )
    fields = JSON.parse(new TextDecoder().decode(plaintext))
  } catch {
    return undefined
  }
  const { accessKeyId, secretAccessKey, sessionToken, expiration, issuedAt } = fields ?? {}
  if (typeof accessKeyId != 'string' || !accessKeyId) return undefined
  if (typeof secretAccessKey != 'string' || !secretAccessKey) return undefined
  if (sessionToken !== undefined && typeof sessionToken != 'string') return undefined
  if (typeof expiration != 'number' || !Number.isFinite(expiration)) return undefined
  const credentials = {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiration: new Date(expiration),
  }
  return { credentials, issuedAt: typeof issuedAt == 'number' ? issuedAt : undefined }
}

const assertSharedCacheOptions = (options: SharedCacheOptions) => {
  const { secret, timeoutMs = 1000, waitMs = 5000, earlyRefreshMs = 1200000 } = options
  if (typeof secret != 'string' || secret.length < MIN_SECRET_LENGTH)
    throw new StsValidationError([
      {
        param: 'sharedCache.secret',
        rule: 'length',
        message: `sharedCache.secret: must be a string of at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`, kept as a secret)`,
      },
    ])
  for (const [param, value] of Object.entries({ timeoutMs, waitMs, earlyRefreshMs }))
    if (typeof value != 'number' || !(value >= 0) || !Number.isFinite(value))
      throw new StsValidationError([
        {
          param: `sharedCache.${param}`,
          rule: 'range',
          message: `sharedCache.${param}: must be a non-negative number of milliseconds`,
        },
      ])
}

/**
 * @internal Checks `options` (a short or missing secret is a validation error now) and returns the
 * shared cache of one provider. The store is not checked here: a missing binding is a store failure
 * like any other, reported and answered by STS.
 */
export const openSharedCache = (
  options: SharedCacheOptions,
  { refreshWindowMs, now, report }: SharedCacheContext,
): SharedCache => {
  assertSharedCacheOptions(options)
  const { store, secret, timeoutMs = 1000, waitMs = 5000, earlyRefreshMs = 1200000 } = options
  let derived: Promise<DerivedKeys> | undefined
  const keys = () => {
    derived ??= deriveKeys(secret)
    return derived
  }
  // When credentials were issued (by this instance's source, or as the store says): their lifetime
  // bounds the early-refresh span.
  const issued = new WeakMap<AwsCredentialIdentity, number>()
  const earlySpan = (credentials: AwsCredentialIdentity) => {
    const issuedAt = issued.get(credentials)
    if (issuedAt === undefined || !credentials.expiration) return earlyRefreshMs
    const outsideWindow = +credentials.expiration - issuedAt - refreshWindowMs
    return Math.min(earlyRefreshMs, Math.max(0, outsideWindow / 2))
  }
  let lastDescription: string | undefined
  let lastCacheKey: string | undefined

  const cacheKeyOf = async (description: unknown) => {
    const text = canonicalJson(description)
    if (text !== lastDescription) {
      const mac = await crypto.subtle.sign('HMAC', (await keys()).naming, utf8.encode(text))
      lastCacheKey = `edge-sts/v1/${toBase64Url(new Uint8Array(mac))}`
      lastDescription = text
    }
    return lastCacheKey!
  }

  /** One store call under the time limit; failures become a SharedCacheError. */
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(cacheError(`the store's ${what} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      )
      Promise.resolve()
        .then(run)
        .then(resolve, (cause: unknown) => {
          // The store never sees a secret (sealed values, opaque keys): its reason can be told.
          const reason = cause instanceof Error ? `: ${cause.message.slice(0, 200)}` : ''
          reject(cacheError(`the store's ${what} failed${reason}`, cause))
        })
        .finally(() => clearTimeout(timer))
    })

  const hasMethod = (name: 'get' | 'put' | 'add') =>
    typeof (store as Partial<SharedCacheStore> | undefined)?.[name] == 'function'

  const missing = () => cacheError('sharedCache.store has no get and put (a missing binding?)')
  const isStore = () => hasMethod('get') && hasMethod('put')

  const storeGet = (key: string) => {
    if (!isStore()) return Promise.reject(missing())
    return call('get', () => store.get(key))
  }

  const storePut = (key: string, value: string, options: SharedCacheStoreOptions) => {
    if (!isStore()) return Promise.reject(missing())
    return call('put', () => store.put(key, value, options))
  }

  /**
   * The stored credentials (`undefined` for a miss) and the raw value, which names the lease of
   * its replacement; store failures are thrown.
   */
  const read = async (key: string) => {
    const value = await storeGet(key)
    if (value === null || value === undefined) return { value: null }
    const opened = await open(await keys(), key, value)
    if (!opened) report(cacheError('a stored value could not be opened; it is ignored'))
    if (!opened || +opened.credentials.expiration! <= now()) return { value }
    if (opened.issuedAt !== undefined) issued.set(opened.credentials, opened.issuedAt)
    return { value, credentials: opened.credentials }
  }

  const write = async (key: string, credentials: AwsCredentialIdentity) => {
    const expirationMs = +credentials.expiration!
    // Credentials without an expiration are not shared; Workers KV refuses an expiry under 60 s.
    if (!credentials.expiration || expirationMs - now() < MIN_STORE_MS) return
    const value = await seal(await keys(), key, credentials, issued.get(credentials))
    await storePut(key, value, { expiration: Math.floor(expirationMs / 1000) })
  }

  const usable = (credentials: AwsCredentialIdentity | undefined) =>
    credentials !== undefined && +credentials.expiration! - now() > refreshWindowMs

  /**
   * Whether this instance may replace `replaced` (the value it read): it took that value's lease, or
   * the store cannot tell. A lease names the value it replaces, so the lease of the last refresh
   * never holds up the next one.
   */
  const takeLease = async (key: string, replaced: unknown) => {
    const digest = await crypto.subtle.digest('SHA-256', utf8.encode(String(replaced)))
    const leaseKey = `${key}.lease.${toBase64Url(new Uint8Array(digest).slice(0, 12))}`
    const token = toBase64Url(crypto.getRandomValues(new Uint8Array(12)))
    const until = now() + LEASE_MS
    const value = JSON.stringify({ token, until })
    const options = { expiration: Math.ceil(until / 1000) }
    const held = (text: string | null) => {
      try {
        const lease = JSON.parse(text ?? 'null')
        return lease && typeof lease.until == 'number' && lease.until > now() ? lease : undefined
      } catch {
        return undefined
      }
    }
    try {
      if (hasMethod('add')) return await call('add', () => store.add!(leaseKey, value, options))
      if (held(await storeGet(leaseKey))) return false
      try {
        await storePut(leaseKey, value, options)
      } catch (error) {
        // Workers KV refuses a second write to a key within a second: someone may have just taken
        // the lease. Wait for them if their lease can be seen; refresh if not.
        report(error)
        const lease = held(await storeGet(leaseKey))
        return !lease || lease.token === token
      }
      // Last writer wins: read back who holds it.
      return held(await storeGet(leaseKey))?.token === token
    } catch (error) {
      report(error)
      return true
    }
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  /** Polls the store until another instance's refresh lands, `waitMs` passes, or the store fails. */
  const waitForRefresh = async (key: string) => {
    let waited = 0
    for (let pause = FIRST_POLL_MS; waited < waitMs; pause = Math.min(pause * 1.5, MAX_POLL_MS)) {
      const step = Math.min(pause, waitMs - waited)
      await sleep(step)
      waited += step
      const { credentials } = await read(key)
      if (usable(credentials)) return credentials
    }
    return undefined
  }

  const refreshFor = async (key: string, fromSource: () => Promise<AwsCredentialIdentity>) => {
    const fresh = await fromSource()
    issued.set(fresh, now())
    try {
      await write(key, fresh)
    } catch (error) {
      report(error)
      // Once more a little later, unawaited (Workers KV takes one write per key per second, and
      // instances waiting for this refresh read nothing until it lands); the caller goes on.
      if (isStore()) setTimeout(() => write(key, fresh).catch(report), RETRY_WRITE_MS)
    }
    return fresh
  }

  return {
    earlySpan,

    async fetch(describe, fromSource) {
      const key = await cacheKeyOf(await describe())
      try {
        const stored = await read(key)
        if (usable(stored.credentials)) return stored.credentials!
        if (!(await takeLease(key, stored.value))) {
          const refreshed = await waitForRefresh(key)
          if (refreshed) return refreshed
        }
      } catch (error) {
        // The store failed: STS answers, and the store is tried again next time.
        report(error)
      }
      return refreshFor(key, fromSource)
    },

    async refreshEarly(describe, fromSource, current) {
      const key = await cacheKeyOf(await describe())
      let replaced: string | null = null
      try {
        const stored = await read(key)
        if (stored.credentials && +stored.credentials.expiration! > +current.expiration!)
          return stored.credentials
        replaced = stored.value
      } catch (error) {
        report(error)
      }
      // Probabilistic early refresh (XFetch): the chance grows from e⁻¹⁰ to 1 across the span.
      const beforeWindow = +current.expiration! - now() - refreshWindowMs
      const chance = Math.exp((-10 * beforeWindow) / Math.max(earlySpan(current), 1))
      if (Math.random() >= chance) return undefined
      if (!(await takeLease(key, replaced))) return undefined
      return refreshFor(key, fromSource)
    },
  }
}
