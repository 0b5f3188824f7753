// Stores for `sharedCache` besides a Workers KV namespace (which is one as it is): Deno KV, the
// Workers Cache API, and a Durable Object class that users export and bind. Each keeps the sealed
// values only (it never sees a secret) and honours the expiration itself.
import type { SharedCacheStore, SharedCacheStoreOptions } from './shared-cache.ts'

/** The part of `Deno.Kv` a store needs (`await Deno.openKv()` is one). */
export interface DenoKvLike {
  get(key: readonly string[]): Promise<{ value: unknown; versionstamp: string | null }>
  set(key: readonly string[], value: unknown, options?: { expireIn?: number }): Promise<unknown>
  atomic(): DenoKvAtomicLike
}

/** The part of `Deno.AtomicOperation` a store needs. */
export interface DenoKvAtomicLike {
  check(...checks: { key: readonly string[]; versionstamp: string | null }[]): DenoKvAtomicLike
  set(key: readonly string[], value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike
  commit(): Promise<{ ok: boolean }>
}

/** What a store keeps under a key: the sealed value and when it stops being one. */
interface Entry {
  value: string
  /** Seconds since 1970. */
  expiration: number
}

const isEntry = (x: unknown): x is Entry =>
  typeof (x as Entry | null)?.value == 'string' && typeof (x as Entry).expiration == 'number'

const live = (x: unknown, now: () => number): x is Entry =>
  isEntry(x) && x.expiration * 1000 > now()

/** Options of the store adapters. */
export interface StoreAdapterOptions {
  /** The clock that decides whether an entry has expired (default `Date.now`). */
  now?: () => number
}

/**
 * A `sharedCache` store on Deno KV (`await Deno.openKv()`; on Deno Deploy it is shared by every
 * instance and strongly consistent). `expireIn` is only the earliest deletion time, so expiry is
 * checked on read; `add` is a compare-and-set (`atomic().check()`), so exactly one instance
 * refreshes. Entries live under `prefix` (default `['edge-sts']`).
 */
export const denoKvStore = (
  kv: DenoKvLike,
  { prefix = ['edge-sts'], now = Date.now }: StoreAdapterOptions & { prefix?: string[] } = {},
): SharedCacheStore => {
  const path = (key: string) => [...prefix, key]
  const expireIn = (options: SharedCacheStoreOptions) =>
    Math.max(1, options.expiration * 1000 - now())
  return {
    async get(key) {
      const { value } = await kv.get(path(key))
      return live(value, now) ? value.value : null
    },
    async put(key, value, options) {
      const entry: Entry = { value, expiration: options.expiration }
      await kv.set(path(key), entry, { expireIn: expireIn(options) })
    },
    async add(key, value, options) {
      const current = await kv.get(path(key))
      if (live(current.value, now)) return false
      const entry: Entry = { value, expiration: options.expiration }
      const result = await kv
        .atomic()
        .check({ key: path(key), versionstamp: current.versionstamp })
        .set(path(key), entry, { expireIn: expireIn(options) })
        .commit()
      return result.ok
    },
  }
}

/** The part of the Cache API a store needs (`caches.default` in Workers, `await caches.open(name)`). */
export interface CacheLike {
  match(request: string): Promise<Response | undefined>
  put(request: string, response: Response): Promise<void>
}

/**
 * A `sharedCache` store on the Workers Cache API: shared by the isolates of one data centre only
 * (each data centre refreshes on its own), no atomic add. Entries are kept with
 * `Cache-Control: max-age` until their expiration, under URLs below `origin` (default
 * `https://edge-sts.invalid/`, a name that never resolves).
 */
export const cacheApiStore = (
  cache: CacheLike,
  {
    origin = 'https://edge-sts.invalid/',
    now = Date.now,
  }: StoreAdapterOptions & { origin?: string } = {},
): SharedCacheStore => {
  const url = (key: string) => new URL(encodeURIComponent(key), origin).href
  return {
    async get(key) {
      const response = await cache.match(url(key))
      if (!response) return null
      const entry: unknown = await response.json().catch(() => null)
      return live(entry, now) ? entry.value : null
    },
    async put(key, value, options) {
      const maxAge = Math.max(0, Math.floor(options.expiration - now() / 1000))
      const entry: Entry = { value, expiration: options.expiration }
      await cache.put(
        url(key),
        new Response(JSON.stringify(entry), {
          headers: { 'content-type': 'application/json', 'cache-control': `max-age=${maxAge}` },
        }),
      )
    },
  }
}

/** The part of a Durable Object namespace binding a store needs. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> }
}

/** The part of a Durable Object's `state` that {@link SharedCacheObject} uses. */
export interface DurableObjectStateLike {
  storage: {
    get(key: string): Promise<unknown>
    put(key: string, value: unknown): Promise<void>
    delete(key: string): Promise<boolean>
    /** Every entry (Durable Object storage has it): used to drop expired entries now and then. */
    list?(): Promise<Map<string, unknown>>
  }
}

const PRUNE_INTERVAL_MS = 3600_000

/** A request of the store to the object, and its answer. */
interface ObjectRequest {
  op: 'get' | 'put' | 'add'
  key: string
  value?: string
  expiration?: number
}

/**
 * A `sharedCache` store on a Durable Object of class {@link SharedCacheObject}: one object (named
 * `name`, default `'edge-sts'`) for the whole fleet, strongly consistent and single-threaded, so
 * `add` lets exactly one isolate refresh while the others wait for its result.
 */
export const durableObjectStore = (
  namespace: DurableObjectNamespaceLike,
  name = 'edge-sts',
): SharedCacheStore => {
  const ask = async (request: ObjectRequest) => {
    const stub = namespace.get(namespace.idFromName(name) as never)
    const response = await stub.fetch('https://edge-sts.invalid/', {
      method: 'POST',
      body: JSON.stringify(request),
    })
    if (!response.ok) throw new Error(`the Durable Object answered HTTP ${response.status}`)
    return (await response.json()) as { value?: string | null; added?: boolean }
  }
  return {
    async get(key) {
      return (await ask({ op: 'get', key })).value ?? null
    },
    async put(key, value, options) {
      await ask({ op: 'put', key, value, expiration: options.expiration })
    },
    async add(key, value, options) {
      return (await ask({ op: 'add', key, value, expiration: options.expiration })).added === true
    },
  }
}

/**
 * The Durable Object behind {@link durableObjectStore}: export it from the Worker's entry
 * (`export { SharedCacheObject } from 'edge-sts'`) and bind it (`durable_objects.bindings` with
 * `class_name = "SharedCacheObject"`, plus a migration with `new_sqlite_classes`). It keeps sealed
 * values in its storage and answers one request at a time, which makes `add` atomic; it never
 * holds the secret nor calls STS.
 */
export class SharedCacheObject {
  readonly #storage: DurableObjectStateLike['storage']
  readonly #now: () => number
  #queue: Promise<unknown> = Promise.resolve()
  #lastPrune: number = -Infinity

  constructor(state: DurableObjectStateLike, _env?: unknown, options: StoreAdapterOptions = {}) {
    this.#storage = state.storage
    this.#now = options.now ?? Date.now
  }

  /** Answers the store's POSTed `{ op, key, value?, expiration? }`. */
  async fetch(request: Request): Promise<Response> {
    let body: ObjectRequest
    try {
      body = await request.json()
    } catch {
      return new Response('expected a JSON body', { status: 400 })
    }
    if (typeof body?.key != 'string' || !/^(get|put|add)$/.test(body.op))
      return new Response('expected { op: get | put | add, key }', { status: 400 })
    const answer = this.#queue.then(() => this.#handle(body))
    this.#queue = answer.catch(() => undefined)
    return Response.json(await answer)
  }

  async #handle({ op, key, value, expiration }: ObjectRequest) {
    const stored = await this.#storage.get(key)
    const current = live(stored, this.#now) ? stored : undefined
    if (stored !== undefined && !current) await this.#storage.delete(key)
    if (op == 'get') return { value: current?.value ?? null }
    if (typeof value != 'string' || typeof expiration != 'number') return { added: false }
    if (op == 'add' && current) return { added: false }
    const entry: Entry = { value, expiration }
    await this.#storage.put(key, entry)
    await this.#prune()
    return { added: true }
  }

  // Every refresh leaves a lease behind, which nobody reads again: drop expired entries hourly.
  async #prune() {
    if (!this.#storage.list || this.#now() - this.#lastPrune < PRUNE_INTERVAL_MS) return
    this.#lastPrune = this.#now()
    for (const [key, stored] of await this.#storage.list())
      if (!live(stored, this.#now)) await this.#storage.delete(key)
  }
}
