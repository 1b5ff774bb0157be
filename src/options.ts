/**
 * The store's options, their defaults, and the checks of ttl and page sizes.
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import type { EvictionMode } from './eviction.js'
import type { Key } from './keys.js'
import { LIMITS } from './limits.js'
import type { Serializer } from './values.js'

export type WriteMode = 'sync' | 'async'

/**
 * The constructor's arguments: a store typed `RedisCache<'async'>` must be given
 * `writes: 'async'`, so its type always says how it writes. Otherwise the options are
 * optional, and W is inferred from `writes`.
 */
export type RedisCacheArgs<W extends WriteMode> = [W] extends ['async']
  ? [options: RedisCacheOptions<W> & { writes: 'async' }]
  : [options?: RedisCacheOptions<W>]

export interface RedisCacheOptions<W extends WriteMode = WriteMode> {
  /**
   * An ioredis Redis or Cluster instance, a redis:// or rediss:// URL, or ioredis options.
   * Default: redis://127.0.0.1:6379. A client passed in stays the caller's: close() does not quit it.
   */
  redis?: Redis | Cluster | string | RedisOptions
  /**
   * ioredis options for the client the store creates from a `redis` URL (or from the
   * default URL): TLS, a password, retry settings. Not allowed with a client passed in.
   */
  redisOptions?: RedisOptions
  /** Prefix of every key, used in the Redis Cluster hash tag. Default 'cache'. Must not contain '{', '}' or '#'. */
  namespace?: string
  /**
   * Spread the namespace over this many buckets (hash tags, so hash slots of a Redis
   * Cluster). Default 1: one slot, the layout of a single bucket. Changing it, or bucketBy,
   * on existing data is a migration: records are found only with the settings they were
   * written with.
   */
  buckets?: number
  /** How many leading key parts choose a record's bucket. Default 1. */
  bucketBy?: number
  /** Default time to live of writes, in milliseconds. Omitted (or Infinity): records never expire. */
  ttl?: number
  /**
   * 'sync' (default): put, putMany and delete resolve once Redis confirmed.
   * 'async': they resolve at once; failures are emitted as 'error'; flush() waits for them.
   */
  writes?: W
  /** How values become strings and back. Default: superjson. */
  serializer?: Serializer
  /**
   * Milliseconds a call waits for Redis (per script call or page) before it rejects, so no
   * call hangs while Redis is unreachable. Default 5000. A write that timed out may still be
   * applied if Redis comes back; each record stays whole either way.
   */
  timeout?: number
  /**
   * Whether reads check that every index lists a record, which keeps deleteAll() true on a
   * server whose maxmemory policy evicts: 'detect' (default) reads the policy, 'checked'
   * always checks, 'none' never does (only for a server that never evicts). See eviction.ts.
   */
  eviction?: EvictionMode
  /**
   * Coalesce the commands the store sends in one turn of the event loop into one socket
   * write (see connection.ts coalesceWrites). Default true; on a Cluster client, per node connection.
   */
  coalesceWrites?: boolean
}

export interface WriteOptions {
  /** Time to live of this call's records in milliseconds, instead of the store's default. Infinity: never expire. */
  ttl?: number
}

/** One record of putMany: `[key, value]`, or `[key, value, { ttl }]` with its own ttl. */
export type PutManyEntry = readonly [key: Key, value: unknown] | readonly [key: Key, value: unknown, options: WriteOptions]

export interface IterateOptions {
  /** Records per page (also the ZSCAN COUNT hint). Default 100. */
  count?: number
  /** false: read no values; each record comes as [key, undefined]. Default true. */
  values?: boolean
}

export const DEFAULTS = {
  redis: 'redis://127.0.0.1:6379',
  namespace: 'cache',
  writes: 'sync' as WriteMode,
  /** Page size of iterate(). */
  iterateCount: 100,
  /** Page size of all(), deleteAll() and clear(). */
  bulkCount: 500,
  /** ms a call waits for Redis. */
  timeout: 5000,
  eviction: 'detect' as EvictionMode,
} as const

/**
 * A ttl as the scripts take it: milliseconds, 0 for never. `undefined` stays undefined
 * (the caller's default applies). Anything but a positive safe integer or Infinity is a RangeError.
 */
export function checkTtl(ttl: unknown, name: string): number | undefined {
  if (ttl === undefined) return undefined
  if (ttl === Infinity) return 0
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl <= 0 || ttl > LIMITS.maxTtl) {
    throw new RangeError(`${name} must be a positive integer of milliseconds up to 2^47 (or Infinity for no expiry), got ${describe(ttl)}`)
  }
  return ttl
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  return typeof value
}

export function checkCount(count: unknown, name: string): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= 0) {
    throw new RangeError(`${name} must be a positive safe integer, got ${describe(count)}`)
  }
  return count
}

export function checkWrites(writes: unknown): WriteMode {
  if (writes !== 'sync' && writes !== 'async') {
    throw new TypeError(`options.writes must be 'sync' or 'async', got ${JSON.stringify(writes)}`)
  }
  return writes
}
