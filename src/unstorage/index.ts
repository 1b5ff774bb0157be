/**
 * redis-prefix-cache/unstorage: an unstorage driver (the storage layer of Nitro and Nuxt).
 * unstorage's keys are colon-separated paths (`users:42:avatar`); each is a record whose key
 * parts are its segments (`['users', '42', 'avatar']`) in a RedisCache namespace (default
 * 'unstorage'), so `getKeys('users:42')` and `clear('users:42')` read the index of that
 * prefix, never SCAN the keyspace.
 *
 * Values are what unstorage hands the driver (strings it serialized; bytes for setItemRaw),
 * stored as the store's serializer writes them and given back as they were.
 */
import { checkOptions } from '../checks.js'
import { type IntegrationStoreOptions, integrationStore } from '../integration.js'
import { REST } from '../wildcards.js'
import type { Key } from '../keys.js'
import type { Pattern } from '../patterns.js'
import type { RedisCache } from '../store.js'
import { redact } from '../urls.js'
import { superjsonSerializer } from '../values.js'

/** Where the records go (a `redis` connection and `namespace`, or a `cache` to share), and their default ttl. */
export interface PrefixCacheDriverOptions extends Omit<IntegrationStoreOptions, 'namespace'> {
  /** The RedisCache namespace (the Redis hash tag) when no `cache` is given. Default 'unstorage'. */
  namespace?: string
  /** The ttl of an item written without one, in seconds as unstorage counts (its redis driver's `ttl`). Default: none. */
  ttl?: number
  /** Nitro's `storage` config passes its `driver` (this module's name) with the options: ignored. */
  driver?: string
}

/** A value as unstorage types it. */
export type StorageValue = null | string | number | boolean | object

/** What unstorage passes with a call (a `ttl` in seconds on writes). */
type TransactionOptions = Record<string, unknown>
type WatchCallback = (event: 'update' | 'remove', key: string) => unknown

/** unstorage's Driver, as this driver implements it (unstorage 1.x's `defineDriver` shape). */
export interface PrefixCacheDriver {
  readonly name: 'redis-prefix-cache'
  readonly options: PrefixCacheDriverOptions
  /** The RedisCache the items are records of. */
  getInstance(): RedisCache
  hasItem(key: string, opts?: TransactionOptions): Promise<boolean>
  getItem(key: string, opts?: TransactionOptions): Promise<StorageValue>
  getItemRaw(key: string, opts?: TransactionOptions): Promise<unknown>
  getItems(items: Array<{ key: string; options?: TransactionOptions }>, commonOptions?: TransactionOptions): Promise<Array<{ key: string; value: StorageValue }>>
  setItem(key: string, value: string, opts?: TransactionOptions): Promise<void>
  setItemRaw(key: string, value: unknown, opts?: TransactionOptions): Promise<void>
  setItems(items: Array<{ key: string; value: string; options?: TransactionOptions }>, commonOptions?: TransactionOptions): Promise<void>
  removeItem(key: string, opts?: TransactionOptions): Promise<void>
  getMeta(key: string, opts?: TransactionOptions): Promise<{ ttl?: number } | null>
  getKeys(base: string, opts?: TransactionOptions): Promise<string[]>
  clear(base: string, opts?: TransactionOptions): Promise<void>
  watch(callback: WatchCallback): Promise<() => Promise<void>>
  dispose(): Promise<void>
}

const DRIVER_OPTIONS = ['redis', 'redisOptions', 'cache', 'namespace', 'buckets', 'bucketBy', 'timeout', 'durability', 'eviction', 'ttl', 'driver'] as const

/** unstorage's redis driver's options, and what to pass here instead (its `url`: checkOptions's own note). */
const PEER_HABITS: Record<string, string> = {
  base: "unstorage's redis driver's `base` is `namespace` here (a name, without ':'; it becomes the Redis hash tag '{name}:'), or mount the driver at a base with storage.mount()",
  cluster: 'pass your cluster client (an ioredis Cluster, a node-redis cluster, a GlideClusterClient) as `redis`',
  scanCount: 'getKeys() and clear() read an index, never SCAN: no `scanCount` is needed',
  lazyConnect: 'pass your client in `redis`, connected as you like',
}

/**
 * The driver: `createStorage({ driver: prefixCacheDriver({ redis, namespace }) })`. `redis` is
 * your client (node-redis, ioredis, Valkey GLIDE) or a `redis://` URL (the driver then makes
 * and closes its own); `cache` shares an existing RedisCache's client and namespace.
 */
export default function prefixCacheDriver(options: PrefixCacheDriverOptions = {}): PrefixCacheDriver {
  if (typeof options === 'string') throw new TypeError(`options must be an object: pass the URL as { redis: ${JSON.stringify(redact(options))} }`)
  checkOptions(options, DRIVER_OPTIONS, 'options', false, PEER_HABITS)
  const defaultTtl = secondsOf(options.ttl, 'options.ttl')
  const storeOptions: PrefixCacheDriverOptions = { ...options }
  delete storeOptions.ttl
  delete storeOptions.driver
  const cache = integrationStore(storeOptions, { namespace: 'unstorage', serializer: superjsonSerializer })
  const watchers = new Set<WatchCallback>()
  const notify = (event: 'update' | 'remove', key: string) => {
    for (const callback of watchers) callback(event, key)
  }
  /** A write's ttl in ms: its own `ttl` (seconds), else the driver's. */
  const ttlOf = (opts: TransactionOptions | undefined, name: string) => {
    const ms = secondsOf(opts?.ttl, name) ?? defaultTtl
    return ms === undefined ? undefined : { ttl: ms }
  }
  let stopWatching: (() => Promise<void>) | undefined

  return {
    name: 'redis-prefix-cache',
    options,
    getInstance: () => cache,
    hasItem: (key) => cache.has(partsOf(key)),
    async getItem(key) {
      return ((await cache.get(partsOf(key))) ?? null) as StorageValue
    },
    async getItemRaw(key) {
      return (await cache.get(partsOf(key))) ?? null
    },
    async getItems(items) {
      const values = await cache.getMany(items.map((item) => partsOf(item.key)))
      return items.map((item, i) => ({ key: item.key, value: (values[i] ?? null) as StorageValue }))
    },
    async setItem(key, value, opts) {
      await cache.put(partsOf(key), value, ttlOf(opts, 'setItem options.ttl'))
      notify('update', key)
    },
    async setItemRaw(key, value, opts) {
      await cache.put(partsOf(key), value, ttlOf(opts, 'setItemRaw options.ttl'))
      notify('update', key)
    },
    async setItems(items, commonOptions) {
      if (items.length === 0) return
      const common = ttlOf(commonOptions, 'setItems options.ttl')
      await cache.putMany(items.map((item) => [partsOf(item.key), item.value, ttlOf(item.options, 'an item options.ttl') ?? common ?? {}] as const))
      for (const item of items) notify('update', item.key)
    },
    async removeItem(key) {
      await cache.delete(partsOf(key))
      notify('remove', key)
    },
    async getMeta(key) {
      const ms = await cache.ttl(partsOf(key))
      if (ms === undefined) return null
      return ms === Infinity ? {} : { ttl: Math.ceil(ms / 1000) }
    },
    async getKeys(base) {
      const keys = await cache.keys(patternOf(base))
      return keys.map(itemKey)
    },
    async clear(base) {
      const prefix = baseParts(base)
      if (prefix.length === 0) await cache.clear()
      else await cache.deleteAll(patternOf(base))
    },
    async watch(callback) {
      watchers.add(callback)
      if (stopWatching === undefined) {
        const expired = (key: Key) => notify('remove', itemKey(key))
        cache.on('expired', expired)
        cache.on('evicted', expired)
        await cache.watch()
        stopWatching = async () => {
          cache.off('expired', expired)
          cache.off('evicted', expired)
          await cache.unwatch()
        }
      }
      return async () => {
        watchers.delete(callback)
        if (watchers.size === 0 && stopWatching) {
          const stop = stopWatching
          stopWatching = undefined
          await stop()
        }
      }
    },
    async dispose() {
      watchers.clear()
      await cache.close()
    },
  }
}

/** An unstorage key's record key: its colon-separated segments, as strings. */
function partsOf(key: unknown): string[] {
  if (typeof key !== 'string') throw new TypeError(`key must be a string (an unstorage key), got ${key === null ? 'null' : typeof key}`)
  const parts = key.split(':').filter((part) => part !== '')
  if (parts.length === 0) throw new TypeError(`key must have at least one segment, got ${JSON.stringify(key)}`)
  return parts
}

/** A record key as unstorage's key: its segments joined by ':' (a one-part key comes back as the part itself). */
function itemKey(key: Key): string {
  return Array.isArray(key) ? key.join(':') : String(key)
}

/** An unstorage base ('users:42:' or ''): its segments. */
function baseParts(base: unknown): string[] {
  if (base === undefined || base === null) return []
  if (typeof base !== 'string') throw new TypeError(`base must be a string (an unstorage base), got ${typeof base}`)
  return base.split(':').filter((part) => part !== '')
}

/** The pattern of every record under a base: the base's parts, then one or more parts. */
function patternOf(base: unknown): Pattern {
  return [...baseParts(base), REST] as Pattern
}

/** A ttl in seconds (as unstorage counts) as milliseconds; undefined stays undefined. */
function secondsOf(ttl: unknown, name: string): number | undefined {
  if (ttl === undefined) return undefined
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0)
    throw new RangeError(`${name} must be a positive number of seconds, got ${typeof ttl === 'number' ? ttl : typeof ttl}`)
  return Math.max(1, Math.round(ttl * 1000))
}

export { prefixCacheDriver }
