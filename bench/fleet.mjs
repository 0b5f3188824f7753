// `npm run bench:fleet`: how many STS calls a fleet makes with and without the shared credential
// cache. 1,000 isolates (provider instances, each with its own memory) cold-start within one second
// and serve requests for 3 simulated hours with 1-hour credentials, over (a) no shared cache, (b)
// Workers KV with a propagation delay, (c) the Durable Object, (d) Deno KV. The providers, the
// sealing and the store adapters are the package's own (dist/); the stores' engines, STS and the
// network are simulated in virtual time (timers and the clock replaced in this process only).
// Environment: ISOLATES (1000), HOURS (3), REQUEST_MS (mean time between one isolate's requests,
// 10000), KV_DELAY_MS (KV propagation to other data centres, 60000), DATA_CENTRES (20), SEED (1),
// EARLY_REFRESH_MS (sharedCache.earlyRefreshMs), ONLY (scenarios whose name holds it), DEBUG.
import { setImmediate as realSetImmediate } from 'node:timers'
import {
  cachedProvider,
  denoKvStore,
  durableObjectStore,
  SharedCacheObject,
} from '../dist/index.js'

const ISOLATES = Number(process.env.ISOLATES ?? 1000)
const HOURS = Number(process.env.HOURS ?? 3)
const REQUEST_MS = Number(process.env.REQUEST_MS ?? 10000)
const KV_DELAY_MS = Number(process.env.KV_DELAY_MS ?? 60000)
const DATA_CENTRES = Number(process.env.DATA_CENTRES ?? 20)
const SEED = Number(process.env.SEED ?? 1)
// The providers' sharedCache.earlyRefreshMs (default: the package's).
const EARLY_REFRESH_MS = process.env.EARLY_REFRESH_MS
  ? Number(process.env.EARLY_REFRESH_MS)
  : undefined
const LIFETIME_MS = 3600_000
const SECRET = 'fleet-simulation/secret+0123456789abcdefghij'

// ---- virtual time: a timer heap, a clock, and a count of crypto.subtle calls in flight ----------
const start = Date.parse('2030-01-01T00:00:00Z')
let clock = start
let timers = [] // binary heap of [time, sequence, callback]
let sequence = 0
const cancelled = new Set()
const push = (entry) => {
  timers.push(entry)
  for (let i = timers.length - 1; i > 0;) {
    const parent = (i - 1) >> 1
    if (before(timers[parent], timers[i])) break
    ;[timers[parent], timers[i]] = [timers[i], timers[parent]]
    i = parent
  }
}
const before = (a, b) => a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
const pop = () => {
  const top = timers[0]
  const last = timers.pop()
  if (timers.length) {
    timers[0] = last
    for (let i = 0; ;) {
      const left = 2 * i + 1
      const right = left + 1
      let least = i
      if (left < timers.length && before(timers[left], timers[least])) least = left
      if (right < timers.length && before(timers[right], timers[least])) least = right
      if (least == i) break
      ;[timers[least], timers[i]] = [timers[i], timers[least]]
      i = least
    }
  }
  return top
}
globalThis.setTimeout = (callback, ms = 0, ...args) => {
  const id = ++sequence
  push([clock + Math.max(0, ms), id, () => callback(...args)])
  return id
}
globalThis.clearTimeout = (id) => void cancelled.add(id)
Date.now = () => clock
let inFlight = 0
for (const name of ['encrypt', 'decrypt', 'sign', 'digest', 'importKey', 'deriveKey']) {
  const original = crypto.subtle[name].bind(crypto.subtle)
  crypto.subtle[name] = (...args) => {
    inFlight++
    const result = original(...args)
    result.then(
      () => inFlight--,
      () => inFlight--,
    )
    return result
  }
}
// Seeded randomness (mulberry32): the same figures on every run.
let seed = SEED
Math.random = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const settle = async () => {
  do await new Promise((resolve) => realSetImmediate(resolve))
  while (inFlight > 0)
}
const runUntil = async (end) => {
  while (timers.length && timers[0][0] <= end) {
    const [time, id, callback] = pop()
    if (cancelled.delete(id)) continue
    clock = time
    callback()
    await settle()
  }
  clock = end
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const exponential = (mean) => -mean * Math.log(1 - Math.random())

// ---- simulated STS: 150 ms + an exponential tail (mean 350 ms), as from the edge to us-east-1 ---
const sts = { calls: [] }
let issued = 0
const callSts = async () => {
  sts.calls.push(clock)
  await sleep(150 + exponential(350))
  issued++
  return {
    accessKeyId: `ASIA${String(issued).padStart(16, '0')}`,
    secretAccessKey: `secret-${issued}`,
    sessionToken: `token-${issued}`.padEnd(900, '='),
    expiration: new Date(clock + LIFETIME_MS),
  }
}

// ---- simulated stores ---------------------------------------------------------------------------
/**
 * Workers KV: a write is visible at once in the writer's data centre and after `delay` in the
 * others (the cached copy there times out); at most one write per key per second (429 beyond).
 */
const workersKv = (dataCentre, delay) => {
  const versions = new Map() // key -> [{ value, expiration, at, dc }]
  const lastWrite = new Map()
  return (dc) => ({
    async get(key) {
      await sleep(dataCentre.getMs)
      const visible = (versions.get(key) ?? []).filter(
        (v) => v.at + (v.dc == dc ? 0 : delay) <= clock,
      )
      const latest = visible.at(-1)
      return latest && latest.expiration * 1000 > clock ? latest.value : null
    },
    async put(key, value, { expiration }) {
      await sleep(dataCentre.putMs)
      if (expiration * 1000 < clock + 60000)
        throw new Error('KV PUT failed: 400 expiration too soon')
      if (clock - (lastWrite.get(key) ?? -Infinity) < 1000)
        throw new Error('KV PUT failed: 429 Too Many Requests')
      lastWrite.set(key, clock)
      const list = versions.get(key) ?? []
      list.push({ value, expiration, at: clock, dc })
      // Versions before the latest one every data centre sees are seen by none.
      const seenByAll = list.findLastIndex((v) => v.at + delay <= clock)
      versions.set(key, list.slice(Math.max(0, seenByAll)))
    },
  })
}

/** The package's SharedCacheObject behind a network hop of `oneWayMs` each way. */
const durableObject = (oneWayMs) => {
  const storage = new Map()
  const object = new SharedCacheObject({
    storage: {
      get: async (k) => storage.get(k),
      put: async (k, v) => void storage.set(k, v),
      delete: async (k) => storage.delete(k),
    },
  })
  const namespace = {
    idFromName: (name) => name,
    get: () => ({
      async fetch(url, init) {
        await sleep(oneWayMs)
        const response = await object.fetch(new Request(url, init))
        await sleep(oneWayMs)
        return response
      },
    }),
  }
  return () => durableObjectStore(namespace)
}

/** Deno KV on Deploy: strongly consistent, `opMs` per call, atomic check-and-set. */
const denoKv = (opMs) => {
  const data = new Map()
  let version = 0
  const kv = {
    async get(key) {
      await sleep(opMs)
      return data.get(key.join('/')) ?? { value: null, versionstamp: null }
    },
    async set(key, value) {
      await sleep(opMs)
      data.set(key.join('/'), { value, versionstamp: String(++version) })
    },
    atomic() {
      const checks = []
      const sets = []
      const operation = {
        check: (...c) => (checks.push(...c), operation),
        set: (key, value) => (sets.push([key, value]), operation),
        async commit() {
          await sleep(opMs)
          const ok = checks.every(
            (c) => (data.get(c.key.join('/'))?.versionstamp ?? null) === c.versionstamp,
          )
          if (ok)
            for (const [k, v] of sets)
              data.set(k.join('/'), { value: v, versionstamp: String(++version) })
          return { ok }
        },
      }
      return operation
    },
  }
  return () => denoKvStore(kv)
}

// ---- one scenario -------------------------------------------------------------------------------
const simulate = async (name, storeFor) => {
  clock = start
  timers = []
  cancelled.clear()
  sts.calls = []
  const triggering = [] // added latency of each request during which its isolate called STS
  const storeErrors = []
  let requests = 0
  let waited = 0
  const end = start + HOURS * 3600_000
  for (let i = 0; i < ISOLATES; i++) {
    const dc = i % DATA_CENTRES
    let calledSts = false
    const get = async () => {
      calledSts = true
      return callSts()
    }
    const store = storeFor?.(dc)
    const provider = cachedProvider(get, {
      ...(store && {
        sharedCache: {
          store,
          secret: SECRET,
          key: 'fleet-role',
          earlyRefreshMs: EARLY_REFRESH_MS,
        },
      }),
      onRefreshError: (e) => storeErrors.push(e),
    })
    const request = async () => {
      requests++
      calledSts = false
      const sent = clock
      await provider()
      const latency = clock - sent
      if (calledSts) triggering.push(latency)
      else if (latency > 0) waited++
      if (clock < end) setTimeout(request, exponential(REQUEST_MS))
    }
    setTimeout(request, Math.random() * 1000) // cold starts within the first second
  }
  await runUntil(end)
  // Refresh rounds: STS calls less than 10 minutes apart belong to the same round.
  const rounds = []
  for (const time of sts.calls) {
    const last = rounds.at(-1)
    if (last && time - last.end < 600_000) {
      last.calls++
      last.end = time
    } else rounds.push({ start: time, end: time, calls: 1 })
  }
  const [coldFill, ...refreshes] = rounds
  if (process.env.DEBUG)
    for (const r of refreshes)
      console.error(
        name,
        sts.calls
          .filter((t) => t >= r.start && t <= r.end)
          .map((t) => ((t - start) / 1000).toFixed(1))
          .join(' '),
      )
  const perRefresh = refreshes.map((r) => r.calls)
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  const sorted = [...triggering].sort((a, b) => a - b)
  return {
    name,
    requests,
    stsCalls: sts.calls.length,
    coldFill: coldFill?.calls ?? 0,
    refreshes: perRefresh.length,
    perRefreshMean: mean(perRefresh),
    perRefreshMax: Math.max(0, ...perRefresh),
    latencyMean: mean(triggering),
    latencyMedian: sorted[sorted.length >> 1] ?? 0,
    latencyMax: sorted.at(-1) ?? 0,
    waited,
    storeErrors: storeErrors.length,
  }
}

const kvTiming = { getMs: 12, putMs: 60 }
const scenarios = [
  ['(a) no shared cache', undefined],
  [`(b) Workers KV, ${KV_DELAY_MS / 1000} s propagation`, workersKv(kvTiming, KV_DELAY_MS)],
  ['(c) Durable Object (25 ms each way)', durableObject(25)],
  ['(d) Deno KV (20 ms per call)', denoKv(20)],
]
const rows = []
const only = process.env.ONLY // e.g. ONLY=KV: the scenarios whose name holds it
for (const [name, store] of scenarios.filter(([n]) => !only || n.includes(only))) {
  const began = performance.now()
  rows.push(await simulate(name, store))
  console.error(`${name}: simulated in ${((performance.now() - began) / 1000).toFixed(1)} s`)
}

const ms = (x) => `${Math.round(x).toLocaleString('en-US')} ms`
console.log(
  `Fleet: ${ISOLATES.toLocaleString('en-US')} isolates cold-starting within 1 s, ${HOURS} h, 1-hour credentials (refresh window 5 min), a request per isolate every ${REQUEST_MS / 1000} s on average; STS 150 ms + exp(350 ms); KV: ${DATA_CENTRES} data centres, get ${kvTiming.getMs} ms, put ${kvTiming.putMs} ms. Seed ${SEED}.\n`,
)
console.log(
  '| store | STS calls in all | cold start | per refresh after it (mean / max, rounds) | added latency of the STS-calling requests (mean / median / max) | requests that waited without calling STS | store errors reported |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.stsCalls.toLocaleString('en-US')} | ${r.coldFill.toLocaleString('en-US')} | ${r.perRefreshMean.toFixed(1)} / ${r.perRefreshMax} (${r.refreshes}) | ${ms(r.latencyMean)} / ${ms(r.latencyMedian)} / ${ms(r.latencyMax)} | ${r.waited.toLocaleString('en-US')} of ${r.requests.toLocaleString('en-US')} | ${r.storeErrors} |`,
  )
