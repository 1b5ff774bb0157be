/**
 * The one options path of this package's integrations (the session store, the Keyv adapter,
 * and those to come): `{ redis | cache, namespace, buckets, ... }` becomes the RedisCache
 * the integration keeps its records in. With `cache`, that store's client, namespace and
 * buckets are shared (its serializer is not: the integration gives its own), and the options
 * that would say otherwise are refused rather than ignored.
 */
import type { RedisCacheOptions } from './options.js'
import { RedisCache } from './store.js'
import type { Serializer } from './values.js'

/** Where an integration's records go: a connection and a namespace, or an existing store. */
export interface IntegrationStoreOptions {
  /** As RedisCache's `redis`: an ioredis Redis or Cluster, a redis:// URL, or ioredis options. */
  redis?: RedisCacheOptions['redis']
  /** ioredis options for the client made from a `redis` URL. */
  redisOptions?: RedisCacheOptions['redisOptions']
  /** An existing RedisCache whose client, namespace and buckets to share. */
  cache?: RedisCache<'sync' | 'async'>
  /** The RedisCache namespace (the Redis hash tag) when no `cache` is given. */
  namespace?: string
  /** As RedisCache's: spread the records over buckets (a Redis Cluster). */
  buckets?: number
  bucketBy?: number
  /** As RedisCache's: ms a call waits for Redis. Default 5000. */
  timeout?: number
  /** As RedisCache's: every write waits until this many replicas have it. Default: that of `cache`, else none. */
  durability?: RedisCacheOptions['durability']
  /** As RedisCache's: whether reads check for eviction. Default 'detect'. */
  eviction?: RedisCacheOptions['eviction']
}

export interface IntegrationSettings {
  /** The namespace when neither `namespace` nor `cache` gives one. */
  namespace: string
  /** How the integration's stored text is written and read. */
  serializer: Serializer
  /** A bucketBy the integration's layout requires (the session store: 1), instead of the option. */
  bucketBy?: number
}

/** Options that `cache` brings, and so may not be given beside it. */
const SHARED = ['redis', 'redisOptions', 'namespace', 'buckets', 'bucketBy'] as const

export function integrationStore(options: IntegrationStoreOptions, settings: IntegrationSettings): RedisCache {
  const shared = options.cache
  if (shared !== undefined && !(shared instanceof RedisCache)) throw new TypeError('options.cache must be a RedisCache')
  if (shared) {
    const given = SHARED.filter((name) => options[name] !== undefined)
    if (given.length > 0) {
      throw new TypeError(`options.cache brings its client, namespace and buckets: do not pass ${given.join(', ')} with it`)
    }
    if (settings.bucketBy !== undefined && shared.buckets > 1 && shared.bucketBy !== settings.bucketBy) {
      throw new RangeError(`options.cache must have bucketBy ${settings.bucketBy} (the records of one item share a bucket picked by their first part), got ${shared.bucketBy}`)
    }
  }
  return new RedisCache({
    redis: shared ? shared.redis : options.redis,
    ...(shared ? {} : { redisOptions: options.redisOptions }),
    namespace: shared ? shared.namespace : (options.namespace ?? settings.namespace),
    buckets: shared ? shared.buckets : options.buckets,
    bucketBy: settings.bucketBy ?? (shared ? shared.bucketBy : options.bucketBy),
    timeout: options.timeout,
    eviction: options.eviction,
    durability: options.durability ?? shared?.durability,
    serializer: settings.serializer,
  })
}
