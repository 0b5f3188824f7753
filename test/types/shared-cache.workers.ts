// Compiles against @cloudflare/workers-types only: a KV namespace binding is a sharedCache store as
// it is, a Durable Object namespace and caches.default fit the adapters, and SharedCacheObject takes
// the Durable Object state workerd gives it.
import {
  SharedCacheObject,
  cacheApiStore,
  durableObjectStore,
  fromAssumeRole,
  type SharedCacheStore,
} from '../../dist/index.js'

export { SharedCacheObject }

interface Env {
  STS_CACHE: KVNamespace
  STS_CACHE_OBJECT: DurableObjectNamespace
  STS_CACHE_SECRET: string
}

export const stores = (env: Env): SharedCacheStore[] => [
  env.STS_CACHE,
  durableObjectStore(env.STS_CACHE_OBJECT),
  cacheApiStore(caches.default),
]

export const provider = (env: Env) =>
  fromAssumeRole(
    { RoleArn: 'arn:aws:iam::123456789012:role/reader' },
    { region: 'eu-west-1', sharedCache: { store: env.STS_CACHE, secret: env.STS_CACHE_SECRET } },
  )

export class CacheObject extends SharedCacheObject {
  constructor(state: DurableObjectState, env: Env) {
    super(state, env)
  }
}
