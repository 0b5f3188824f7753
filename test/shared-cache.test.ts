// The shared credential cache with in-memory stores: order memory → store → STS, sealing (what is
// stored reveals nothing; garbage, foreign, altered, truncated, replayed or expired values are
// misses), the cache key (everything that shapes the credentials), store failures (throws, hangs,
// a missing binding) answered by STS and reported, stale-while-valid early refresh and the lease.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  cachedProvider,
  fromAssumeRole,
  fromOperation,
  fromWebIdentity,
  type AwsCredentialIdentity,
} from '../src/credentials.ts'
import { GetSessionToken } from '../src/operations.ts'
import type { SharedCacheStore } from '../src/shared-cache.ts'
import { ACCOUNT, USERS, WEB_TOKENS, createLocalSts } from './local-sts/handler.ts'

const SECRET = 'shared-cache/test+secret=0123456789abcdefXYZ'
const OTHER_SECRET = 'another/secret+of=another-fleet-0123456789'
const MINUTE = 60_000

/** A store in memory with the Workers KV shape; `atomic` adds `add` (Durable Object, Deno KV). */
class MemoryStore implements SharedCacheStore {
  entries = new Map<string, { value: string; expiration: number }>()
  calls: string[] = []
  declare add?: SharedCacheStore['add']
  constructor(
    atomic = false,
    private clock: () => number = Date.now,
  ) {
    if (atomic)
      this.add = async (key, value, options) => {
        this.calls.push(`add ${key}`)
        if (this.live(key) !== null) return false
        this.entries.set(key, { value, expiration: options.expiration })
        return true
      }
  }
  private live(key: string) {
    const entry = this.entries.get(key)
    return entry && entry.expiration * 1000 > this.clock() ? entry.value : null
  }
  async get(key: string) {
    this.calls.push(`get ${key}`)
    return this.live(key)
  }
  async put(key: string, value: string, options: { expiration: number }) {
    this.calls.push(`put ${key}`)
    this.entries.set(key, { value, expiration: options.expiration })
  }
  /** The key of the one credentials entry (not a lease). */
  credentialKeys() {
    return [...this.entries.keys()].filter((k) => !k.includes('.lease'))
  }
}

let issued = 0
const stsCredentials = (lifetimeMs = 3600_000, clock = Date.now): AwsCredentialIdentity => ({
  accessKeyId: `ASIA${String(++issued).padStart(16, '0')}`,
  secretAccessKey: `secret/${issued}/wJalrXUtnFEMI`,
  sessionToken: `token/${issued}/IQoJb3JpZ2luX2VjE`,
  expiration: new Date(clock() + lifetimeMs),
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('sharedCache: order memory → store → STS', () => {
  it('lets a second instance take the first one’s credentials from the store, without STS', async () => {
    const store = new MemoryStore()
    const get = vi.fn(async () => stsCredentials())
    const options = { sharedCache: { store, secret: SECRET, key: 'tenant-1' } }
    const first = await cachedProvider(get, options)()
    const second = await cachedProvider(get, options)()
    expect(get).toHaveBeenCalledTimes(1)
    expect(second).toEqual(first)
    expect(second.expiration).toBeInstanceOf(Date)
  })

  it('stores nothing readable: no key id, secret, token or tenant in the key or the value', async () => {
    const store = new MemoryStore()
    const credentials = await cachedProvider(async () => stsCredentials(), {
      sharedCache: { store, secret: SECRET, key: 'tenant-visible-name' },
    })()
    const dump = JSON.stringify([...store.entries])
    for (const secretPart of [
      credentials.accessKeyId,
      credentials.secretAccessKey,
      credentials.sessionToken!,
      'tenant-visible-name',
      SECRET,
    ])
      expect(dump).not.toContain(secretPart)
    const [key] = store.credentialKeys()
    expect(key).toMatch(/^edge-sts\/v1\/[\w-]{43}$/)
    // Stored until the credentials expire (seconds since 1970, as Workers KV takes it).
    expect(store.entries.get(key!)!.expiration).toBe(Math.floor(+credentials.expiration! / 1000))
  })

  it('does not use a stored value inside the refresh window: the instance refreshes', async () => {
    const store = new MemoryStore()
    const options = { sharedCache: { store, secret: SECRET, key: 't' } }
    await cachedProvider(async () => stsCredentials(4 * MINUTE), options)() // due at once
    const get = vi.fn(async () => stsCredentials())
    const fresh = await cachedProvider(get, options)()
    expect(get).toHaveBeenCalledTimes(1)
    expect(+fresh.expiration! - Date.now()).toBeGreaterThan(50 * MINUTE)
  })

  it('never returns expired credentials from the store (a store that keeps expired entries)', async () => {
    let clock = Date.now()
    const store = new MemoryStore(false, () => 0) // never expires anything itself
    const options = { now: () => clock, sharedCache: { store, secret: SECRET, key: 't' } }
    await cachedProvider(async () => stsCredentials(3600_000, () => clock), options)()
    clock += 2 * 3600_000
    const get = vi.fn(async () => stsCredentials(3600_000, () => clock))
    const got = await cachedProvider(get, options)()
    expect(get).toHaveBeenCalledTimes(1)
    expect(+got.expiration!).toBeGreaterThan(clock)
  })

  it('keeps entries apart by sharedCache.key and by secret', async () => {
    const store = new MemoryStore()
    const get = vi.fn(async () => stsCredentials())
    await cachedProvider(get, { sharedCache: { store, secret: SECRET, key: 'tenant-a' } })()
    await cachedProvider(get, { sharedCache: { store, secret: SECRET, key: 'tenant-b' } })()
    await cachedProvider(get, { sharedCache: { store, secret: OTHER_SECRET, key: 'tenant-a' } })()
    expect(get).toHaveBeenCalledTimes(3)
    expect(store.credentialKeys()).toHaveLength(3)
  })
})

describe('sharedCache: bad values are misses, never returned, never thrown', () => {
  // Fills the store under key 't' and returns the store, its entry key and the sealed value.
  const filled = async (secret = SECRET, key = 't') => {
    const store = new MemoryStore()
    const original = await cachedProvider(async () => stsCredentials(), {
      sharedCache: { store, secret, key },
    })()
    const [entry] = store.credentialKeys()
    return { store, entry: entry!, value: store.entries.get(entry!)!.value, original }
  }
  const readWith = async (store: MemoryStore, secret = SECRET) => {
    const get = vi.fn(async () => stsCredentials())
    const onRefreshError = vi.fn()
    const credentials = await cachedProvider(get, {
      onRefreshError,
      sharedCache: { store, secret, key: 't' },
    })()
    return { get, onRefreshError, credentials }
  }
  const overwrite = (store: MemoryStore, entry: string, value: string) =>
    store.entries.set(entry, { value, expiration: Math.floor(Date.now() / 1000) + 3600 })

  it.each([
    ['garbage text', 'not a sealed value at all'],
    ['JSON credentials in the clear', '{"accessKeyId":"AKIA","secretAccessKey":"x"}'],
    ['an empty string', ''],
    ['a sealed-looking value of random bytes', `v1.${'A'.repeat(16)}.${'B'.repeat(200)}`],
  ])('%s', async (_what, value) => {
    const { store, entry, original } = await filled()
    overwrite(store, entry, value)
    const { get, credentials, onRefreshError } = await readWith(store)
    expect(get).toHaveBeenCalledTimes(1)
    expect(credentials.accessKeyId).not.toBe(original.accessKeyId)
    for (const [error] of onRefreshError.mock.calls)
      expect(error).toMatchObject({ code: 'SharedCacheError' })
  })

  it('a truncated ciphertext', async () => {
    const { store, entry, value } = await filled()
    overwrite(store, entry, value.slice(0, -10))
    expect((await readWith(store)).get).toHaveBeenCalledTimes(1)
  })

  it('a ciphertext with one character changed', async () => {
    const { store, entry, value } = await filled()
    const last = value.at(-5) == 'A' ? 'B' : 'A'
    overwrite(store, entry, value.slice(0, -5) + last + value.slice(-4))
    const { get, onRefreshError } = await readWith(store)
    expect(get).toHaveBeenCalledTimes(1)
    expect(onRefreshError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'SharedCacheError' }),
    )
  })

  it('another key’s value, copied under this key', async () => {
    const other = await filled(SECRET, 'other-tenant')
    const { store, entry } = await filled()
    overwrite(store, entry, other.value)
    const { get, credentials } = await readWith(store)
    expect(get).toHaveBeenCalledTimes(1)
    expect(credentials.accessKeyId).not.toBe(other.original.accessKeyId)
  })

  it('a value sealed under another secret', async () => {
    const foreign = await filled(OTHER_SECRET)
    const store = new MemoryStore()
    await readWith(store) // creates this secret's entry
    const [entry] = store.credentialKeys()
    overwrite(store, entry!, foreign.value)
    const { get } = await readWith(store)
    expect(get).toHaveBeenCalledTimes(1)
  })

  it('a replayed value that has expired since', async () => {
    let clock = Date.now()
    const store = new MemoryStore(false, () => 0)
    // The replayed value's lease is still held (by the instance that replaced it): a short wait.
    const sharedCache = { store, secret: SECRET, key: 't', waitMs: 200 }
    const options = { now: () => clock, sharedCache }
    await cachedProvider(async () => stsCredentials(3600_000, () => clock), options)()
    const [entry] = store.credentialKeys()
    const old = store.entries.get(entry!)!.value
    clock += 90 * MINUTE
    await cachedProvider(async () => stsCredentials(3600_000, () => clock), options)()
    overwrite(store, entry!, old) // an attacker puts the old ciphertext back
    const get = vi.fn(async () => stsCredentials(3600_000, () => clock))
    const got = await cachedProvider(get, options)()
    expect(get).toHaveBeenCalledTimes(1)
    expect(+got.expiration!).toBeGreaterThan(clock)
  })
})

describe('sharedCache: store failures are answered by STS and reported', () => {
  const failing = (behaviour: 'throw' | 'hang', which: 'get' | 'put' | 'both') => {
    const store = new MemoryStore()
    const broken = (): Promise<never> =>
      behaviour == 'throw'
        ? Promise.reject(new Error('KV GET failed: 429 Too Many Requests'))
        : new Promise<never>(() => {})
    if (which != 'put') store.get = broken
    if (which != 'get') store.put = broken
    return store
  }

  it.each([
    ['throw', 'get'],
    ['throw', 'put'],
    ['throw', 'both'],
    ['hang', 'get'],
    ['hang', 'put'],
    ['hang', 'both'],
  ] as const)('a store whose %s %s', async (behaviour, which) => {
    const onRefreshError = vi.fn()
    const get = vi.fn(async () => stsCredentials())
    const started = Date.now()
    const credentials = await cachedProvider(get, {
      onRefreshError,
      sharedCache: { store: failing(behaviour, which), secret: SECRET, key: 't', timeoutMs: 100 },
    })()
    expect(credentials.accessKeyId).toMatch(/^ASIA/)
    expect(get).toHaveBeenCalledTimes(1)
    // Each store call waits 100 ms at most (a get, a lease: get, put, get, and the final put); the
    // bound is loose for loaded machines, it tells a time limit from a hang.
    expect(Date.now() - started).toBeLessThan(5000)
    expect(onRefreshError).toHaveBeenCalled()
    for (const [error] of onRefreshError.mock.calls) {
      expect(error).toMatchObject({ name: 'EdgeStsError', code: 'SharedCacheError' })
      expect(error.message).toMatch(
        behaviour == 'hang' ? /within 100 ms/ : /failed: KV GET failed: 429 Too Many Requests$/,
      )
    }
  })

  it.each([
    ['undefined (a binding missing from wrangler.toml)', undefined],
    ['an object without get and put', {}],
  ])('a store that is %s', async (_what, store) => {
    const onRefreshError = vi.fn()
    const get = vi.fn(async () => stsCredentials())
    const provider = cachedProvider(get, {
      onRefreshError,
      sharedCache: { store: store as unknown as SharedCacheStore, secret: SECRET, key: 't' },
    })
    expect((await provider()).accessKeyId).toMatch(/^ASIA/)
    expect(onRefreshError).toHaveBeenCalled()
    for (const [error] of onRefreshError.mock.calls)
      expect(error).toMatchObject({
        code: 'SharedCacheError',
        message: expect.stringMatching(/missing binding/),
      })
  })

  it('an STS failure is still the caller’s error, as without a shared cache', async () => {
    const store = new MemoryStore()
    const get = vi.fn(async (): Promise<AwsCredentialIdentity> => {
      throw Object.assign(new Error('denied'), { code: 'AccessDenied' })
    })
    const provider = cachedProvider(get, { sharedCache: { store, secret: SECRET, key: 't' } })
    await expect(provider()).rejects.toMatchObject({ code: 'AccessDenied' })
    expect(store.credentialKeys()).toHaveLength(0)
  })
})

describe('sharedCache: options are checked when the provider is made', () => {
  it.each([
    ['missing', undefined],
    ['too short', 'only-31-characters-long-secret!'],
    ['not a string', 12345678901234567890123456789012345],
  ])('a secret that is %s is a validation error that does not echo it', (_what, secret) => {
    const make = () =>
      cachedProvider(async () => stsCredentials(), {
        sharedCache: { store: new MemoryStore(), secret: secret as string, key: 't' },
      })
    expect(make).toThrow(expect.objectContaining({ code: 'ValidationError' }))
    try {
      make()
    } catch (error) {
      expect((error as Error).message).toMatch(/sharedCache\.secret: must be .* at least 32/)
      if (typeof secret == 'string') expect((error as Error).message).not.toContain(secret)
    }
  })

  it('cachedProvider needs sharedCache.key (its get is opaque)', () => {
    expect(() =>
      cachedProvider(async () => stsCredentials(), {
        sharedCache: { store: new MemoryStore(), secret: SECRET },
      }),
    ).toThrow(/sharedCache\.key: is required/)
  })

  it('fromOperation with an input function needs sharedCache.key', () => {
    expect(() =>
      fromOperation(GetSessionToken, () => ({}), {
        region: 'us-east-1',
        sharedCache: { store: new MemoryStore(), secret: SECRET },
      }),
    ).toThrow(/sharedCache\.key: is required/)
  })

  it('a negative timeoutMs is a validation error', () => {
    expect(() =>
      cachedProvider(async () => stsCredentials(), {
        sharedCache: { store: new MemoryStore(), secret: SECRET, key: 't', timeoutMs: -1 },
      }),
    ).toThrow(/sharedCache\.timeoutMs/)
  })
})

describe('sharedCache: the cache key holds everything that shapes the credentials', () => {
  // One local STS stands in for both regions the cache key is tested with.
  const sts = createLocalSts({ region: ['us-east-1', 'eu-west-1'] })
  const fetchLocal: typeof fetch = async (url, init) => sts.fetch(new Request(url, init))
  const [alice, bob] = USERS
  const base = {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1/',
    fetch: fetchLocal,
    credentials: { accessKeyId: alice!.accessKeyId, secretAccessKey: alice!.secretAccessKey },
  }
  const role = `arn:aws:iam::${ACCOUNT}:role/demo`

  it('gives each distinct role, session name, policy, tags, external id, source, region and endpoint its own entry; the same inputs share one', async () => {
    const store = new MemoryStore()
    const sharedCache = { store, secret: SECRET }
    const variants: [Parameters<typeof fromAssumeRole>[0], Partial<typeof base>][] = [
      [{ RoleArn: role }, {}],
      [{ RoleArn: `arn:aws:iam::${ACCOUNT}:role/long` }, {}],
      [{ RoleArn: role, RoleSessionName: 'named' }, {}],
      [{ RoleArn: role, Policy: '{"Version":"2012-10-17","Statement":[]}' }, {}],
      [{ RoleArn: role, PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] }, {}],
      [{ RoleArn: role, Tags: [{ Key: 'team', Value: 'blue' }] }, {}],
      [{ RoleArn: `arn:aws:iam::${ACCOUNT}:role/partner`, ExternalId: 'partner-ext-id' }, {}],
      [
        { RoleArn: role },
        { credentials: { accessKeyId: bob!.accessKeyId, secretAccessKey: bob!.secretAccessKey } },
      ],
      [{ RoleArn: role }, { region: 'eu-west-1' }],
      [{ RoleArn: role }, { endpoint: 'http://127.0.0.1:2/' }],
      [{ RoleArn: `arn:aws:iam::${ACCOUNT}:role/long`, DurationSeconds: 7200 }, {}],
    ]
    for (const [input, config] of variants)
      await fromAssumeRole(input, { ...base, ...config, sharedCache })()
    expect(store.credentialKeys()).toHaveLength(variants.length)
    const before = sts.state.requests.length
    for (const [input, config] of variants)
      await fromAssumeRole(input, { ...base, ...config, sharedCache })()
    expect(sts.state.requests.length).toBe(before) // every second instance read the store
    expect(store.credentialKeys()).toHaveLength(variants.length)
  })

  it('names the source of a chained role by the access key id its provider hands over', async () => {
    const store = new MemoryStore()
    const sharedCache = { store, secret: SECRET }
    // One isolate's chain: its first hop is shared, so every isolate's second hop has one source.
    const chain = () =>
      fromAssumeRole(
        { RoleArn: `arn:aws:iam::${ACCOUNT}:role/chained`, RoleSessionName: 'hop' },
        {
          ...base,
          sharedCache,
          credentials: fromAssumeRole({ RoleArn: role }, { ...base, sharedCache }),
        },
      )
    await chain()()
    const requests = sts.state.requests.length
    await chain()()
    expect(sts.state.requests.length).toBe(requests)
    expect(store.credentialKeys()).toHaveLength(2)
  })

  it('names a web identity by the token’s issuer, subject and audience, not by the token', async () => {
    const store = new MemoryStore()
    const [token] = Object.keys(WEB_TOKENS)
    const make = (WebIdentityToken: string | (() => string)) =>
      fromWebIdentity(
        { RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`, WebIdentityToken },
        {
          region: 'us-east-1',
          endpoint: base.endpoint,
          fetch: fetchLocal,
          sharedCache: { store, secret: SECRET },
        },
      )
    await make(token!)()
    const requests = sts.state.requests.length
    await make(() => token!)()
    expect(sts.state.requests.length).toBe(requests)
    expect(store.credentialKeys()).toHaveLength(1)
  })
})

describe('sharedCache: one refresh for many instances', () => {
  it('cold instances wait for the lease holder’s refresh instead of calling STS (atomic store)', async () => {
    const store = new MemoryStore(true)
    let calls = 0
    const get = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 100))
      return stsCredentials()
    }
    const instances = Array.from({ length: 50 }, () =>
      cachedProvider(get, { sharedCache: { store, secret: SECRET, key: 't' } }),
    )
    const results = await Promise.all(instances.map((provider) => provider()))
    expect(calls).toBe(1)
    expect(new Set(results.map((c) => c.accessKeyId)).size).toBe(1)
  })

  it('a cold instance that waits in vain (the lease holder died) calls STS itself after waitMs', async () => {
    const store = new MemoryStore(true)
    // Another instance took the lease and never wrote.
    const onRefreshError = vi.fn()
    const probe = cachedProvider(async () => stsCredentials(), {
      sharedCache: { store, secret: SECRET, key: 't' },
    })
    await probe()
    const [entry] = store.credentialKeys()
    store.entries.delete(entry!)
    const get = vi.fn(async () => stsCredentials())
    const started = Date.now()
    await cachedProvider(get, {
      onRefreshError,
      sharedCache: { store, secret: SECRET, key: 't', waitMs: 300 },
    })()
    expect(get).toHaveBeenCalledTimes(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('stale-while-valid: one instance refreshes early, the others keep the valid credentials and then take the new ones from the store', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z')
    const store = new MemoryStore(true, () => clock)
    vi.spyOn(Math, 'random').mockReturnValue(0) // every early draw wins: the lease decides
    let calls = 0
    const get = async () => {
      calls++
      return stsCredentials(3600_000, () => clock)
    }
    const options = { now: () => clock, sharedCache: { store, secret: SECRET, key: 't' } }
    const a = cachedProvider(get, options)
    const b = cachedProvider(get, options)
    const c = cachedProvider(get, options)
    const first = await a()
    expect((await b()).accessKeyId).toBe(first.accessKeyId)
    expect((await c()).accessKeyId).toBe(first.accessKeyId)
    expect(calls).toBe(1)
    // Just before the refresh window: the chance of an early refresh is ~1 for every instance.
    clock = +first.expiration! - 5 * MINUTE - 1000
    const [fromA, fromB] = await Promise.all([a(), b()])
    expect(calls).toBe(2) // the lease let one of them refresh
    const renewed = [fromA, fromB].find((x) => x.accessKeyId != first.accessKeyId)!
    expect(renewed).toBeDefined()
    // The other kept the still-valid credentials; c, asking later, takes the new ones from the store.
    expect([fromA, fromB].map((x) => x.accessKeyId)).toContain(first.accessKeyId)
    expect((await c()).accessKeyId).toBe(renewed.accessKeyId)
    clock += 11_000 // the next look at the store
    expect((await a()).accessKeyId).toBe(renewed.accessKeyId)
    expect((await b()).accessKeyId).toBe(renewed.accessKeyId)
    expect(calls).toBe(2)
  })

  it('outside the early span no instance looks at the store', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z')
    const store = new MemoryStore(true, () => clock)
    const options = { now: () => clock, sharedCache: { store, secret: SECRET, key: 't' } }
    const a = cachedProvider(async () => stsCredentials(3600_000, () => clock), options)
    await a()
    const before = store.calls.length
    clock += 30 * MINUTE
    await a()
    expect(store.calls.length).toBe(before)
  })

  it('bounds the early span by the credentials’ lifetime: 15-minute credentials are not looked at for their first 5 minutes', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z')
    const store = new MemoryStore(true, () => clock)
    const options = { now: () => clock, sharedCache: { store, secret: SECRET, key: 't' } }
    const a = cachedProvider(async () => stsCredentials(15 * MINUTE, () => clock), options)
    await a()
    const before = store.calls.length
    clock += 4 * MINUTE // outside the window (10 min ahead) and before the early span (5 min)
    await a()
    expect(store.calls.length).toBe(before)
    clock += 2 * MINUTE // inside the early span: one look at the store
    await a()
    expect(store.calls.length).toBeGreaterThan(before)
  })

  it('Workers KV refusing a lease write (one write per key per second) waits for the lease it can then see', async () => {
    const store = new MemoryStore()
    const { get: read, put: write } = { get: store.get.bind(store), put: store.put.bind(store) }
    let calls = 0
    const get = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 200))
      return stsCredentials()
    }
    let staleLeaseReads = 0 // reads that miss a lease just written elsewhere
    let lastLeaseWrite = -Infinity
    let refused = 0
    store.get = async (key) => {
      if (key.includes('.lease') && staleLeaseReads > 0) {
        staleLeaseReads--
        return null
      }
      return read(key)
    }
    store.put = async (key, value, options) => {
      if (key.includes('.lease')) {
        if (Date.now() - lastLeaseWrite < 1000) {
          refused++
          throw new Error('KV PUT failed: 429 Too Many Requests')
        }
        lastLeaseWrite = Date.now()
      }
      return write(key, value, options)
    }
    const onRefreshError = vi.fn()
    const options = { onRefreshError, sharedCache: { store, secret: SECRET, key: 't' } }
    const first = cachedProvider(get, options)()
    await new Promise((resolve) => setTimeout(resolve, 50)) // its lease is written, STS is slow
    staleLeaseReads = 1
    const second = await cachedProvider(get, options)()
    expect(refused).toBe(1)
    expect(onRefreshError.mock.calls[0]![0].message).toMatch(/put failed/)
    expect((await first).accessKeyId).toBe(second.accessKeyId)
    expect(calls).toBe(1)
  })
})
