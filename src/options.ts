/**
 * The store's options, their defaults, and the checks of ttl and page sizes.
 */
import type { IoredisClient, IoredisOptions, NodeRedisClient } from './client/types.js'
import { checkBuckets } from './buckets.js'
import type { Durability } from './durability.js'
import { checkEvictionMode, type EvictionMode } from './eviction.js'
import type { Key } from './keys.js'
import { LIMITS } from './limits.js'
import type { Serializer } from './values.js'

export type WriteMode = 'sync' | 'async'

/**
 * The constructor's arguments: a store typed `RedisCache<'async'>` must be given
 * `writes: 'async'`, so its type always says how it writes. Otherwise the options are
 * optional, and W is inferred from `writes`.
 */
export type RedisCacheArgs<W extends WriteMode> = [W] extends ['async'] ? [options: RedisCacheOptions<W> & { writes: 'async' }] : [options?: RedisCacheOptions<W>]

export interface RedisCacheOptions<W extends WriteMode = WriteMode> {
  /**
   * An ioredis Redis or Cluster instance, a node-redis client or cluster (open: connected or
   * connecting), a redis:// or rediss:// URL, or ioredis options. Default:
   * redis://127.0.0.1:6379. A URL makes a client of the store's own: ioredis when it is
   * installed, else node-redis. A client passed in stays the caller's: close() does not quit it.
   */
  redis?: IoredisClient | NodeRedisClient | string | IoredisOptions
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
  /** Async writes waiting for Redis at once. */
  maxPendingWrites: 10_000,
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

export function checkCount(count: unknown, name: string): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= 0) {
    throw new RangeError(`${name} must be a positive safe integer, got ${describe(count)}`)
  }
  return count
}

/** Node's timers run a longer delay after 1 ms (TimeoutOverflowWarning): the longest timeout a call can have. */
const LONGEST_TIMER = 2 ** 31 - 1

function checkTimeout(timeout: unknown): number {
  const ms = checkCount(timeout, 'options.timeout')
  if (ms > LONGEST_TIMER) throw new RangeError(`options.timeout must be at most ${LONGEST_TIMER} ms (about 24.8 days, what Node's timers allow), got ${ms}`)
  return ms
}

/** A duration that may be zero: a non-negative integer of milliseconds. */
export function checkInterval(ms: unknown, name: string): number {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0 || ms > LIMITS.maxTtl) {
    throw new RangeError(`${name} must be a non-negative integer of milliseconds up to 2^47, got ${describe(ms)}`)
  }
  return ms
}

export function checkWrites(writes: unknown): WriteMode {
  if (writes !== 'sync' && writes !== 'async') {
    throw new TypeError(`options.writes must be 'sync' or 'async', got ${JSON.stringify(writes)}`)
  }
  return writes
}

/**
 * Habits from the stores and clients people move from (connect-redis, @keyv/redis,
 * node-redis), and what each is here: an option this store does not know is refused with
 * its hint, never ignored.
 */
const HABITS: Record<string, string> = {
  client: "connect-redis's `client` is `redis` here (a client, a redis:// URL or ioredis options)",
  prefix: "connect-redis's `prefix` is `namespace` here (a name, without ':'; it becomes the Redis hash tag '{name}:')",
  keyPrefix: "`keyPrefix` is `namespace` here (a name, without ':'; it becomes the Redis hash tag '{name}:')",
  scanCount: 'listing reads an index, never SCAN: no `scanCount` is needed',
  disableTTL: 'records always get a ttl here (`ttl: Infinity` for sessions that never expire)',
  url: 'a URL goes in `redis` (`redis: "redis://..."`)',
  socket: 'node-redis socket options are not read here: pass a URL or ioredis options in `redis`',
  keyPrefixSeparator: 'keys are made of parts here: no separator is needed',
  useUnlink: 'deletions use UNLINK already',
  clearBatchSize: 'clear() works a page of 500 records per script call already',
  expire: 'the ttl option is `ttl`, in milliseconds',
  expiration: 'the ttl option is `ttl`, in milliseconds',
}

/** The known option nearest to a misspelt one (same letters but for case, or one or two edits). */
function nearest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  const exact = known.find((k) => k.toLowerCase() === lower)
  if (exact) return exact
  let best: string | undefined
  let bestDistance = 3
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase())
    if (d < bestDistance) {
      bestDistance = d
      best = k
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length] as number
}

/**
 * Throws a TypeError when `options` is not an object, or names an option not in `known`:
 * each unknown one with what it is here (a habit from connect-redis, @keyv/redis or
 * node-redis, or the known option it is nearest to). `ttlNote` adds, when a ttl is given
 * beside such a habit, that ttls here are milliseconds (connect-redis counts seconds).
 */
export function checkOptions(options: unknown, known: readonly string[], name = 'options', ttlNote = false): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${name} must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`)
  }
  let unknown: string[] | undefined
  for (const key in options) if (!known.includes(key)) (unknown ??= []).push(key)
  if (unknown === undefined) return
  const notes = unknown.map((key) => {
    const habit = HABITS[key]
    const near = habit === undefined ? nearest(key, known) : undefined
    return `${name}.${key}: ${habit ?? (near ? `did you mean \`${near}\`?` : 'not an option here')}`
  })
  if (ttlNote && known.includes('ttl') && typeof (options as { ttl?: unknown }).ttl === 'number') {
    notes.push(`${name}.ttl is in milliseconds here (connect-redis counts seconds): a day is 86_400_000`)
  }
  const which = unknown.length === 1 ? 'an option it does not know' : 'options it does not know'
  throw new TypeError(`${name} has ${which}: ${notes.join('; ')}. Known: ${known.join(', ')}`)
}

/** Throws a TypeError naming the option unless the value is undefined or a boolean. */
export function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`)
  return value
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
