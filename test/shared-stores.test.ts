// The shared credential cache on real engines: Workers KV, the Cache API and a Durable Object as
// Miniflare's workerd runs them, and Deno KV under the `deno` devDependency (`Deno.openKv` on a
// temporary path, `--unstable-kv`), each against the local STS over loopback. workerd gets the
// package bundled from src/ by esbuild here and Deno runs (and type-checks) the sources, so these
// tests need no build. The adapters' own rules (expiry
// kept by the store, atomic add) are also checked directly with in-memory doubles of the bindings.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  SharedCacheObject,
  cacheApiStore,
  denoKvStore,
  durableObjectStore,
  type DenoKvLike,
} from '../src/shared-stores.ts'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const SECRET = 'miniflare/shared+cache=secret-0123456789abcdef'
const alice = USERS[0]!
let server: Awaited<ReturnType<typeof startLocalSts>>
let bundle: string

beforeAll(async () => {
  server = await startLocalSts()
  const out = await build({
    entryPoints: [`${root}src/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  })
  bundle = out.outputFiles[0]!.text
}, 60_000)
afterAll(() => server?.close())
beforeEach(() => server.sts.reset())

const scenario = (store: string, instances: number, together: boolean) => ({
  store,
  instances,
  together,
  secret: SECRET,
  url: server.url,
  credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
  roleArn: `arn:aws:iam::${ACCOUNT}:role/demo`,
})

describe('workerd (Miniflare): Workers KV, Cache API, Durable Object', () => {
  let mf: Miniflare
  beforeAll(async () => {
    mf = new Miniflare({
      compatibilityDate: '2025-09-01',
      modules: [
        {
          type: 'ESModule',
          path: 'worker.mjs',
          contents: readFileSync(`${root}test/fixtures/shared-cache-worker.mjs`, 'utf8'),
        },
        { type: 'ESModule', path: 'index.js', contents: bundle },
      ],
      kvNamespaces: ['CACHE'],
      durableObjects: { SHARED: 'SharedCacheObject' },
    })
    await mf.ready
  }, 60_000) // workerd's start on a loaded machine
  afterAll(() => mf?.dispose())

  const run = async (body: object) => {
    const response = await mf.dispatchFetch('http://localhost/', {
      method: 'POST',
      body: JSON.stringify(body),
    })
    const text = await response.text()
    expect(response.status, text).toBe(200)
    return JSON.parse(text) as {
      accessKeyIds: string[]
      expirationIsDate: boolean
      errors: string[]
    }
  }

  it('Workers KV (the namespace binding as it is): one STS call, then every instance reads the store; nothing readable stored', async () => {
    const result = await run(scenario('kv', 5, false))
    expect(server.sts.state.requests).toHaveLength(1)
    expect(new Set(result.accessKeyIds).size).toBe(1)
    expect(result.accessKeyIds[0]).toMatch(/^ASIA/)
    expect(result.expirationIsDate).toBe(true)
    expect(result.errors).toEqual([])
    // What KV holds: an opaque key per entry (and a lease), values without any secret.
    const kv = await mf.getKVNamespace('CACHE')
    const { keys } = await kv.list()
    const entry = keys.find((k) => !k.name.includes('.lease'))!
    expect(entry.name).toMatch(/^edge-sts\/v1\/[\w-]{43}$/)
    expect(entry.expiration).toBeGreaterThan(Date.now() / 1000 + 3000)
    const session = server.sts.sessions.get(result.accessKeyIds[0]!)!
    const value = (await kv.get(entry.name))!
    expect(value).toMatch(/^v1\./)
    for (const secret of [session.secretAccessKey, session.sessionToken, result.accessKeyIds[0]!])
      expect(value).not.toContain(secret)
    // A second batch of instances (a later request) calls STS no more.
    await run(scenario('kv', 3, true))
    expect(server.sts.state.requests).toHaveLength(1)
  })

  it('Durable Object: 20 cold instances at once make exactly one STS call', async () => {
    const result = await run(scenario('do', 20, true))
    expect(server.sts.state.requests).toHaveLength(1)
    expect(new Set(result.accessKeyIds).size).toBe(1)
    expect(result.errors).toEqual([])
  })

  it('Cache API (caches.default): one STS call for instances one after another', async () => {
    const result = await run(scenario('cache', 4, false))
    expect(server.sts.state.requests).toHaveLength(1)
    expect(new Set(result.accessKeyIds).size).toBe(1)
    expect(result.errors).toEqual([])
  })

  it('a binding missing from the configuration: credentials from STS, the failure reported', async () => {
    const result = await run(scenario('missing', 2, false))
    expect(result.accessKeyIds.every((id) => id.startsWith('ASIA'))).toBe(true)
    expect(server.sts.state.requests).toHaveLength(2)
    expect(result.errors[0]).toMatch(/^SharedCacheError: shared cache: .*missing binding/)
  })
})

describe('Deno KV (Deno.openKv on a temporary path, --unstable-kv; the sources type-checked by Deno)', () => {
  it('10 cold instances at once make exactly one STS call; a second process reads the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-sts-kv-'))
    try {
      // TypeScript sources, type-checked by Deno (`--check`): denoKvStore takes a real Deno.Kv.
      writeFileSync(
        join(dir, 'main.ts'),
        `import { denoKvStore, fromAssumeRole } from ${JSON.stringify(`${root}src/index.ts`)}
const config = JSON.parse(Deno.args[0]!)
const kv: Deno.Kv = await Deno.openKv(config.path)
const errors: string[] = []
const providers = Array.from({ length: config.instances }, () =>
  fromAssumeRole({ RoleArn: config.roleArn }, {
    region: 'us-east-1', endpoint: config.url, credentials: config.credentials,
    sharedCache: { store: denoKvStore(kv), secret: config.secret },
    onRefreshError: (e) => errors.push((e as Error).message),
  }))
const results = await Promise.all(providers.map((p) => p()))
kv.close()
console.log(JSON.stringify({ ids: results.map((c) => c.accessKeyId), errors }))
`,
      )
      const runDeno = async (instances: number) => {
        const config = { ...scenario('deno', instances, true), path: join(dir, 'kv.sqlite') }
        const { stdout } = await promisify(execFile)(
          `${root}node_modules/.bin/deno`,
          [
            'run',
            '--check',
            '--no-prompt',
            '--unstable-kv',
            '--allow-net=127.0.0.1',
            `--allow-read=${dir},${root}src`,
            `--allow-write=${dir}`,
            join(dir, 'main.ts'),
            JSON.stringify(config),
          ],
          {
            timeout: 60_000,
            killSignal: 'SIGKILL',
            env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
          },
        )
        return JSON.parse(stdout.trim().split('\n').pop()!) as { ids: string[]; errors: string[] }
      }
      const first = await runDeno(10)
      expect(server.sts.state.requests).toHaveLength(1)
      expect(new Set(first.ids).size).toBe(1)
      expect(first.errors).toEqual([])
      const second = await runDeno(3)
      expect(server.sts.state.requests).toHaveLength(1)
      expect(second.ids).toEqual([first.ids[0], first.ids[0], first.ids[0]])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000) // two Deno processes, the first type-checking the sources: room for a loaded machine
})

describe('store adapters, with doubles of the bindings', () => {
  const inSeconds = (s: number) => ({ expiration: Math.floor(Date.now() / 1000) + s })

  it('SharedCacheObject: get, put, an atomic add, expiry, and 400 for a malformed request', async () => {
    const storage = new Map<string, unknown>()
    const object = new SharedCacheObject({
      storage: {
        get: async (k) => storage.get(k),
        put: async (k, v) => void storage.set(k, v),
        delete: async (k) => storage.delete(k),
      },
    })
    const store = durableObjectStore({
      idFromName: (name) => name,
      get: () => ({ fetch: (url, init) => object.fetch(new Request(url, init)) }),
    })
    expect(await store.get('k')).toBeNull()
    const adds = await Promise.all([1, 2, 3].map((n) => store.add!('k', `v${n}`, inSeconds(60))))
    expect(adds.filter(Boolean)).toHaveLength(1)
    await store.put('k', 'new', inSeconds(60))
    expect(await store.get('k')).toBe('new')
    await store.put('old', 'x', inSeconds(-1))
    expect(await store.get('old')).toBeNull()
    expect(await store.add!('old', 'y', inSeconds(60))).toBe(true)
    const bad = await object.fetch(
      new Request('http://x/', { method: 'POST', body: '{"op":"rm"}' }),
    )
    expect(bad.status).toBe(400)
  })

  it('SharedCacheObject drops expired entries (old leases nobody reads again) hourly', async () => {
    let clock = Date.now()
    const storage = new Map<string, unknown>()
    const object = new SharedCacheObject(
      {
        storage: {
          get: async (k) => storage.get(k),
          put: async (k, v) => void storage.set(k, v),
          delete: async (k) => storage.delete(k),
          list: async () => new Map(storage),
        },
      },
      undefined,
      { now: () => clock },
    )
    const store = durableObjectStore({
      idFromName: (name) => name,
      get: () => ({ fetch: (url, init) => object.fetch(new Request(url, init)) }),
    })
    const at = (s: number) => ({ expiration: Math.floor(clock / 1000) + s })
    await store.put('value', 'sealed', at(3600))
    await store.add!('value.lease.old', '{}', at(65))
    clock += 30 * 60_000
    await store.put('value', 'sealed-2', at(3600)) // within the hour: nothing dropped yet
    expect([...storage.keys()].sort()).toEqual(['value', 'value.lease.old'])
    clock += 31 * 60_000
    await store.put('value', 'sealed-3', at(3600))
    expect([...storage.keys()]).toEqual(['value'])
  })

  it('denoKvStore: expiry checked on read (expireIn is only the earliest deletion), add is a compare-and-set', async () => {
    const data = new Map<string, { value: unknown; versionstamp: string }>()
    let version = 0
    const kv: DenoKvLike = {
      get: async (key) => data.get(key.join('/')) ?? { value: null, versionstamp: null },
      set: async (key, value) =>
        void data.set(key.join('/'), { value, versionstamp: `${++version}` }),
      atomic() {
        const checks: { key: readonly string[]; versionstamp: string | null }[] = []
        const sets: [readonly string[], unknown][] = []
        const op = {
          check: (...c: typeof checks) => (checks.push(...c), op),
          set: (key: readonly string[], value: unknown) => (sets.push([key, value]), op),
          commit: async () => {
            const ok = checks.every(
              (c) => (data.get(c.key.join('/'))?.versionstamp ?? null) === c.versionstamp,
            )
            if (ok)
              for (const [k, v] of sets)
                data.set(k.join('/'), { value: v, versionstamp: `${++version}` })
            return { ok }
          },
        }
        return op
      },
    }
    const store = denoKvStore(kv)
    await store.put('a', 'sealed', inSeconds(-5)) // kept by KV, but past its expiration
    expect(await store.get('a')).toBeNull()
    expect(await store.add!('a', 'mine', inSeconds(60))).toBe(true)
    expect(await store.add!('a', 'theirs', inSeconds(60))).toBe(false)
    expect(await store.get('a')).toBe('mine')
    expect([...data.keys()]).toEqual(['edge-sts/a'])
  })

  it('cacheApiStore: max-age until the expiration, expired entries are misses', async () => {
    const cache = new Map<string, Response>()
    const store = cacheApiStore({
      match: async (url) => cache.get(url)?.clone(),
      put: async (url, response) => void cache.set(url, response),
    })
    await store.put('edge-sts/v1/abc', 'sealed', inSeconds(3600))
    const [url, response] = [...cache][0]!
    expect(url).toBe('https://edge-sts.invalid/edge-sts%2Fv1%2Fabc')
    expect(response.headers.get('cache-control')).toMatch(/^max-age=(3599|3600)$/)
    expect(await store.get('edge-sts/v1/abc')).toBe('sealed')
    await store.put('gone', 'sealed', inSeconds(-1))
    expect(await store.get('gone')).toBeNull()
  })
})
