/**
 * redis-prefix-cache/rate-limit: a store for express-rate-limit (8; its `Store` interface),
 * whose counters are records of a RedisCache namespace of their own (default 'rate-limit';
 * the namespace is the Redis hash tag, so a limiter's keys live on one node of a cluster):
 * the counter of the client key `k` is the record `[k]`, readable in redis-cli as
 * `{rate-limit}:k` holding `{"json":N}`, listed in the namespace's index.
 *
 * - increment() is one script (lua/rate-limit/hit.lua) on the server's clock: the first hit of
 *   a window writes the counter with the window as its ttl (milliseconds), later hits count
 *   on under that expiry, so the window and its reset time are exact; a counter whose window
 *   ends as it is hit starts the next one.
 * - decrement() (express-rate-limit's skipFailedRequests, skipSuccessfulRequests) takes a hit
 *   back, never below 0, without touching the window.
 * - resetAll() clears the namespace from its index (a page of records per script call): no
 *   SCAN, other namespaces untouched.
 */
import { checkOptions } from '../checks.js'
import { type IntegrationStoreOptions, integrationStore } from '../integration.js'
import { internals, type CacheInternals } from '../internals.js'
import { encodeKey } from '../keys.js'
import { registerOperations } from '../operations.js'
import { RedisCache } from '../store.js'
import { redact } from '../urls.js'
import { superjsonSerializer } from '../values.js'
import * as scripts from './commands.js'

const RATE_LIMIT_OPERATIONS = {
  'rateLimit.increment': { single: true },
  'rateLimit.decrement': { single: true },
  'rateLimit.get': { single: true },
  'rateLimit.resetKey': { single: true },
  'rateLimit.resetAll': { single: false },
} as const

export type RateLimitOperation = keyof typeof RATE_LIMIT_OPERATIONS

declare module '../operations.js' {
  interface IntegrationOperations extends Record<RateLimitOperation, true> {}
}

registerOperations(RATE_LIMIT_OPERATIONS)

/** Where the counters go (a `redis` connection and `namespace`, or a `cache` to share), and how a window runs. */
export interface RateLimitStoreOptions extends Omit<IntegrationStoreOptions, 'namespace' | 'buckets' | 'bucketBy'> {
  /** The RedisCache namespace (the Redis hash tag, so a limiter lives on one node of a cluster) when no `cache` is given. Default 'rate-limit'. Give each limiter its own. */
  namespace?: string
  /** Every hit starts the window again (a client is limited until it pauses a whole window). Default false: a window starts with its first hit. */
  resetExpiryOnChange?: boolean
  /** The window in milliseconds when no express-rate-limit calls init() (express-rate-limit passes its `windowMs`). */
  windowMs?: number
}

/** What express-rate-limit reads of a client: its hits in the window, and when the window ends. */
export interface ClientRateLimitInfo {
  totalHits: number
  resetTime: Date | undefined
}

const RATE_LIMIT_OPTIONS = ['redis', 'redisOptions', 'cache', 'namespace', 'timeout', 'durability', 'eviction', 'resetExpiryOnChange', 'windowMs'] as const

/** rate-limit-redis's options, and what to pass here instead. */
const PEER_HABITS: Record<string, string> = {
  prefix: "rate-limit-redis's `prefix` is `namespace` here (a name, without ':'; it becomes the Redis hash tag '{name}:', one per limiter)",
  sendCommand: "rate-limit-redis's `sendCommand` is `redis` here: pass your client itself (node-redis, ioredis, Valkey GLIDE) or a redis:// URL",
  sendCommandCluster: "rate-limit-redis's `sendCommandCluster` is `redis` here: pass your cluster client itself",
  buckets: 'a limiter keeps its counters under one hash tag (its namespace), on one node of a cluster: no `buckets`; give each limiter its own namespace to spread them',
  bucketBy: 'a limiter keeps its counters under one hash tag (its namespace): no `bucketBy`',
}

/** express-rate-limit's default window: one minute. */
const DEFAULT_WINDOW_MS = 60_000

/**
 * A `Store` for express-rate-limit: `rateLimit({ windowMs, limit, store: new RateLimitStore({ redis }) })`.
 * Each limiter needs a store of its own (express-rate-limit refuses a store shared by two);
 * give each its own `namespace`, or they count the same clients together.
 */
export class RateLimitStore {
  /** The RedisCache the counters are records of. */
  readonly cache: RedisCache
  /** Whether every hit starts the window again. */
  readonly resetExpiryOnChange: boolean
  /** Counters are shared by every process on the same Redis: express-rate-limit's double-count check reads this. */
  readonly localKeys = false
  #windowMs: number
  readonly #internals: CacheInternals

  constructor(options: RateLimitStoreOptions = {}) {
    if (typeof options === 'string') {
      throw new TypeError(`options must be an object: pass the URL as { redis: ${JSON.stringify(redact(options))} }`)
    }
    checkOptions(options, RATE_LIMIT_OPTIONS, 'options', false, PEER_HABITS)
    if (options.resetExpiryOnChange !== undefined && typeof options.resetExpiryOnChange !== 'boolean') {
      throw new TypeError(`options.resetExpiryOnChange must be a boolean, got ${typeof options.resetExpiryOnChange}`)
    }
    this.resetExpiryOnChange = options.resetExpiryOnChange ?? false
    this.#windowMs = checkWindow(options.windowMs ?? DEFAULT_WINDOW_MS, 'options.windowMs')
    const shared = options.cache
    if (shared instanceof RedisCache && shared.buckets !== 1) {
      throw new RangeError(`options.cache must have one bucket: a limiter keeps its counters under one hash tag (got a cache with ${shared.buckets} buckets)`)
    }
    this.cache = integrationStore(options, { namespace: 'rate-limit', serializer: superjsonSerializer })
    this.#internals = this.cache[internals]()
  }

  /** The window in milliseconds: express-rate-limit's `windowMs`, from init(). */
  get windowMs(): number {
    return this.#windowMs
  }

  /** What the limiter's keys start with in Redis: express-rate-limit's double-count check tells limiters apart by it. */
  get prefix(): string {
    return `{${this.cache.namespace}}:`
  }

  /** express-rate-limit calls this with its options once: the window is its `windowMs`. */
  init(options: { windowMs?: unknown }): void {
    if (options?.windowMs !== undefined) this.#windowMs = checkWindow(options.windowMs, "express-rate-limit's windowMs")
  }

  /** A hit of the client `key`: its hits in the window, this one included, and when the window ends. */
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const parts = encodeKey([checkKey(key)])
    const windowMs = this.#windowMs
    const sentAt = Date.now()
    const { hits, left } = await this.#internals.send('rateLimit.increment', key, (checked) =>
      scripts.hit(this.#internals.layout, parts, windowMs, this.resetExpiryOnChange, checked, 1),
    )
    return { totalHits: hits, resetTime: resetTime(sentAt, left) }
  }

  /** Takes back a hit of the client `key` (a request express-rate-limit skips after the fact); never below 0, the window unchanged. */
  async decrement(key: string): Promise<void> {
    const parts = encodeKey([checkKey(key)])
    await this.#internals.send('rateLimit.decrement', key, (checked) => scripts.hit(this.#internals.layout, parts, this.#windowMs, false, checked, -1))
  }

  /** The client's hits in the current window and when it ends; undefined when it has none. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const parts = encodeKey([checkKey(key)])
    const sentAt = Date.now()
    const found = await this.#internals.send('rateLimit.get', key, (checked) => scripts.get(this.#internals.layout, parts, checked))
    return found && { totalHits: found.hits, resetTime: resetTime(sentAt, found.left) }
  }

  /** Forgets the client's hits: its next request starts a window. */
  async resetKey(key: string): Promise<void> {
    await this.cache.delete([checkKey(key)])
  }

  /** Forgets every client's hits (the limiter's namespace, cleared from its index). */
  async resetAll(): Promise<void> {
    await this.cache.clear()
  }

  /** Closes the store (and the client, if it made it from a URL). */
  shutdown(): Promise<void> {
    return this.cache.close()
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`key must be a string (express-rate-limit's keyGenerator result), got ${key === null ? 'null' : typeof key}`)
  return key
}

function checkWindow(windowMs: unknown, name: string): number {
  if (typeof windowMs !== 'number' || !Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(`${name} must be a positive integer of milliseconds, got ${typeof windowMs === 'number' ? windowMs : typeof windowMs}`)
  }
  return windowMs
}

/** When a window with `left` ms to go (as Redis said, answering a call sent at `sentAt`) ends, by this process's clock. */
function resetTime(sentAt: number, left: number): Date | undefined {
  return left >= 0 ? new Date(sentAt + left) : undefined
}
