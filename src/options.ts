/**
 * The store's options (RedisCacheOptions), checked into what the constructor keeps
 * (cacheSettings), and a write's ttl. The checks themselves are in checks.ts, the defaults in
 * defaults.ts.
 */
import type { GlideClient, IoredisClient, IoredisOptions, NodeRedisClient } from './client/types.js'
import { checkBuckets } from './buckets.js'
import type { WriteMode } from './write-mode.js'
import { checkBoolean, checkCount, checkOptions, checkTimeout, checkTtl } from './checks.js'
import { DEFAULTS } from './defaults.js'
import type { Durability } from './durability.js'
import { checkEvictionMode, type EvictionMode } from './eviction.js'
import type { Key } from './keys.js'
import type { Serializer } from './values.js'

/**
 * The constructor's arguments: a store typed `RedisCache<'async'>` must be given
 * `writes: 'async'`, so its type always says how it writes. Otherwise the options are
 * optional, and W is inferred from `writes`.
 */
export type RedisCacheArgs<W extends WriteMode> = [W] extends ['async'] ? [options: RedisCacheOptions<W> & { writes: 'async' }] : [options?: RedisCacheOptions<W>]

export interface RedisCacheOptions<W extends WriteMode = WriteMode> {
  /**
   * An ioredis Redis or Cluster instance, a node-redis client or cluster (open: connected or
   * connecting), a Valkey GLIDE GlideClient or GlideClusterClient, a redis:// or rediss://
   * URL, or ioredis options. Default:
   * redis://127.0.0.1:6379. A URL makes a client of the store's own: ioredis when it is
   * installed, else node-redis. A client passed in stays the caller's: close() does not quit it.
   */
  redis?: IoredisClient | NodeRedisClient | GlideClient | string | IoredisOptions
  /**
   * ioredis options for the client the store creates from a `redis` URL (or from the
   * default URL): TLS, a password, retry settings. Not allowed with a client passed in.
   */
  redisOptions?: IoredisOptions
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
   * write (see client/coalesce.ts). Default true; on a Cluster client, per node connection.
   */
  coalesceWrites?: boolean
  /**
   * With `writes: 'async'`, the most writes that may wait for Redis at once (sent and not yet
   * answered, or waiting for a connection). A write over the bound is not sent: it is
   * reported at once through 'error' (a CacheOperationError with `sent: false`), never
   * dropped silently, so a Redis that is slow or paused cannot grow the heap without end.
   * Default 10,000; Infinity for no bound.
   */
  maxPendingWrites?: number
  /**
   * Acknowledged means replicated: every write waits (WAIT) until this many replicas have
   * it, for at most `timeout` ms (less than options.timeout); when fewer acknowledge in time
   * the call rejects (its cause a NotReplicatedError: applied on the master, not on enough
   * replicas). Omitted: a write is acknowledged by the master alone, and one the master
   * acknowledged just before it died can be lost in a failover. See durability.ts.
   */
  durability?: Durability
}

export interface WriteOptions {
  /** Time to live of this call's records in milliseconds, instead of the store's default. Infinity: never expire. */
  ttl?: number
}

/** One record of putMany: `[key, value]`, or `[key, value, { ttl }]` with its own ttl. */
export type PutManyEntry = readonly [key: Key, value: unknown] | readonly [key: Key, value: unknown, options: WriteOptions]

/** A write's ttl: the call's `options.ttl`, else the store's default (0: never expires). */
export function writeTtl(options: unknown, defaultTtl: number, name = 'options'): number {
  if (options !== undefined) checkOptions(options, ['ttl'], name)
  return checkTtl((options as WriteOptions | undefined)?.ttl, `${name}.ttl`) ?? defaultTtl
}

/** The ttl of a sliding-expiry call (touch, getAndTouch): given, else the store's default; never 'none' by omission. */
export function slidingTtl(ttl: unknown, defaultTtl: number | undefined): number {
  const ms = checkTtl(ttl, 'ttl') ?? defaultTtl
  if (ms === undefined) {
    throw new RangeError('ttl must be given: this store has no default ttl, and a sliding expiry never removes an expiry by default (pass Infinity for that)')
  }
  return ms
}

export function checkWrites(writes: unknown): WriteMode {
  if (writes !== 'sync' && writes !== 'async') {
    throw new TypeError(`options.writes must be 'sync' or 'async', got ${JSON.stringify(writes)}`)
  }
  return writes
}

/** The options of RedisCache's constructor (RedisCacheOptions), as checkOptions takes them. */
export const CACHE_OPTIONS = [
  'redis',
  'redisOptions',
  'namespace',
  'buckets',
  'bucketBy',
  'ttl',
  'writes',
  'serializer',
  'timeout',
  'eviction',
  'coalesceWrites',
  'maxPendingWrites',
  'durability',
] as const

/** A store's options, checked: what the constructor keeps. */
export interface CacheSettings {
  readonly namespace: string
  readonly buckets: number
  readonly bucketBy: number
  /** ms; 0: records never expire by default. */
  readonly ttl: number
  readonly writes: WriteMode
  readonly timeout: number
  readonly coalesce: boolean
  readonly eviction: EvictionMode
  readonly serializer: unknown
  readonly maxPendingWrites: number
  readonly durability: Durability | undefined
}

/** Checks a store's options (every name known, every value of its type) before anything connects. */
export function cacheSettings(options: RedisCacheOptions<WriteMode>): CacheSettings {
  checkOptions(options, CACHE_OPTIONS)
  const timeout = checkTimeout(options.timeout ?? DEFAULTS.timeout)
  return {
    namespace: options.namespace ?? DEFAULTS.namespace, // checked by the BucketLayout
    ...checkBuckets(options.buckets ?? 1, options.bucketBy ?? 1),
    ttl: checkTtl(options.ttl, 'options.ttl') ?? 0,
    writes: checkWrites(options.writes ?? DEFAULTS.writes),
    timeout,
    coalesce: checkBoolean(options.coalesceWrites, 'options.coalesceWrites') ?? true,
    eviction: checkEvictionMode(options.eviction ?? DEFAULTS.eviction),
    serializer: options.serializer,
    maxPendingWrites: checkMaxPending(options.maxPendingWrites ?? DEFAULTS.maxPendingWrites),
    durability: checkDurability(options.durability, timeout),
  }
}

function checkMaxPending(max: unknown): number {
  if (max === Infinity) return max
  return checkCount(max, 'options.maxPendingWrites')
}

/** options.durability, checked: how many replicas each write waits for, and for how long (less than the call's timeout). */
export function checkDurability(durability: unknown, callTimeout: number): Durability | undefined {
  if (durability === undefined) return undefined
  checkOptions(durability, ['replicas', 'timeout'], 'options.durability')
  const { replicas, timeout } = durability as Partial<Durability>
  const wanted = checkCount(replicas, 'options.durability.replicas')
  const ms = checkCount(timeout, 'options.durability.timeout')
  if (ms >= callTimeout) {
    throw new RangeError(`options.durability.timeout (${ms} ms) must be less than options.timeout (${callTimeout} ms): the call's timeout includes the wait for replicas`)
  }
  return { replicas: wanted, timeout: ms }
}
