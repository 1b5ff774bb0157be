/**
 * RedisCache: the store's public surface. Each method validates and encodes, sends one script
 * call (or one plain read) per record, bucket or page, and decodes. Where the pieces live:
 * what happens in Redis, lua/ (one typed call per script in commands.ts); how a script call
 * is sent (readiness, timeouts, tracing, async writes, durability), executor.ts; the client
 * library, client/; reads that choose between a plain command and a checked script,
 * reads.ts; listing by pattern, listing.ts; batches, batches.ts; values, values.ts;
 * options, options.ts.
 */
import { EventEmitter } from 'node:events'
import { encodeEntries } from './batches.js'
import { BucketLayout } from './buckets.js'
import { Calls } from './calls.js'
import { connect } from './client/connect.js'
import type { RedisClient } from './client/client.js'
import type { GlideClient, IoredisClient, NodeRedisClient } from './client/types.js'
import * as commands from './commands.js'
import { type Durability, durable } from './durability.js'
import { CacheOperationError, RedisCacheError } from './errors.js'
import type { DeleteResult, RedisCacheEvents } from './events.js'
import { EvictionState } from './eviction.js'
import { Executor } from './executor.js'
import type { WriteMode } from './write-mode.js'
import type { Operation } from './operations.js'
import { runnerOf } from './script-call.js'
import { checkWatchOptions, ExpiryWatcher, startWatcher, type WatchOptions } from './expiry.js'
import { internals, lend, type CacheInternals } from './internals.js'
import { encodeKey, encodeKeys, type Key } from './keys.js'
import { allKeys, allRecords, countMatching, deleteMatching, type IterateOptions, iterateMatching, type ListingContext } from './listing.js'
import { cacheSettings, slidingTtl, writeTtl, type PutManyEntry, type RedisCacheArgs, type WriteOptions } from './options.js'
import { compilePattern, type Pattern } from './patterns.js'
import { Reads } from './reads.js'
import { Codec, superjsonSerializer } from './values.js'
import { type VerifyOptions, type VerifyReport, verifyStore } from './verify.js'
import { REST } from './wildcards.js'

export class RedisCache<W extends WriteMode = 'sync'> extends EventEmitter<RedisCacheEvents> {
  /** The client the store talks through, as its library made it (ioredis or node-redis): yours, or the one it made. */
  readonly redis: IoredisClient | NodeRedisClient | GlideClient
  readonly namespace: string
  /** Default ttl in ms; undefined when records never expire by default. */
  readonly defaultTtl: number | undefined
  readonly writes: W
  /** How many buckets the namespace is spread over, and how many leading key parts choose one. */
  readonly buckets: number
  readonly bucketBy: number
  /** options.durability: how many replicas each write waits for, or undefined (the master's acknowledgement). */
  readonly durability: Durability | undefined

  readonly #layout: BucketLayout
  readonly #defaultTtl: number
  readonly #codec: Codec
  readonly #client: RedisClient
  readonly #ownsClient: boolean
  readonly #calls: Calls
  readonly #executor: Executor
  readonly #reads: Reads
  readonly #listing: ListingContext
  /** Set by the first close(): every later close() answers the same promise. */
  #closing: Promise<void> | undefined
  #watcher: ExpiryWatcher | undefined

  constructor(...[options = {}]: RedisCacheArgs<W>) {
    super()
    const settings = cacheSettings(options)
    const { namespace, buckets, bucketBy } = settings
    this.#layout = new BucketLayout(namespace, buckets, bucketBy) // checks the namespace too
    this.namespace = namespace
    this.buckets = buckets
    this.bucketBy = bucketBy
    this.#defaultTtl = settings.ttl
    this.defaultTtl = settings.ttl === 0 ? undefined : settings.ttl
    this.writes = settings.writes as W
    this.#codec = new Codec(settings.serializer ?? superjsonSerializer, (error) => this.#calls.report(error))
    const connection = connect(options.redis, options.redisOptions)
    const client = connection.client
    this.#client = client
    this.redis = client.native as IoredisClient | NodeRedisClient | GlideClient
    this.#ownsClient = connection.owned
    this.durability = settings.durability
    this.#calls = new Calls(client, { ...settings, writes: this.writes }, this)
    const eviction = new EvictionState(settings.eviction, client, namespace)
    this.#executor = new Executor(durable(runnerOf(client), client, settings.durability), this.#calls, eviction)
    this.#reads = new Reads(client, this.#layout, this.#executor)
    this.#listing = { layout: this.#layout, reads: this.#reads, codec: this.#codec, executor: this.#executor }
  }

  /** Stores a record. `options.ttl` overrides the store's default ttl for this call. */
  async put(key: Key, value: unknown, options?: WriteOptions): Promise<void> {
    this.#open('put', key)
    await this.#executor.write('put', key, commands.put(this.#layout, encodeKey(key), this.#ttlOf(options), this.#codec.encode(value)))
  }

  /**
   * Stores many records, in script calls of at most LIMITS.batchRecords records of one
   * bucket each, so no script runs long: each call all or none (with the default single
   * bucket, a batch of up to LIMITS.batchRecords records is all or none). An entry may carry
   * its own ttl (`[key, value, { ttl }]`). Every entry is checked before anything is sent;
   * when calls fail, the error's `entries` names the records not written.
   */
  async putMany(entries: ReadonlyArray<PutManyEntry>, options?: WriteOptions): Promise<void> {
    this.#open('putMany', undefined)
    const encode = (value: unknown, name: string) => this.#codec.encode(value, name)
    const { records, values } = encodeEntries(entries, encode, (o, name) => this.#ttlOf(o, name), this.#ttlOf(options))
    if (records.length === 0) return
    await this.#executor.batch('putMany', commands.putMany(this.#layout, records, values), entries.length, undefined, true)
  }

  /**
   * Stores a record only when no live record has its key (put-if-absent), atomically:
   * resolves true when it wrote. For locks, idempotency keys and creations that must happen
   * once. Always waits for Redis's answer, also in 'async' mode.
   */
  async add(key: Key, value: unknown, options?: WriteOptions): Promise<boolean> {
    this.#open('add', key)
    const parts = encodeKey(key)
    const text = this.#codec.encode(value)
    const ttl = this.#ttlOf(options)
    return this.#executor.send('add', key, (checked) => commands.add(this.#layout, parts, ttl, text, checked))
  }

  /**
   * Adds one to a counter record and resolves the new count, atomically: of N callers
   * racing, each gets its own of 1..N. A counter is created at 1 with the ttl (default: the
   * store's), which is never extended: a window that starts with its first hit, as a rate
   * limiter counts. get() reads it as a number; a record that is not a counter rejects with
   * Redis's error. Always waits for Redis's answer.
   */
  async increment(key: Key, options?: WriteOptions): Promise<number> {
    this.#open('increment', key)
    const parts = encodeKey(key)
    const ttl = this.#ttlOf(options)
    return this.#executor.send('increment', key, (checked) => commands.increment(this.#layout, parts, ttl, checked))
  }

  /** The value of a record, or undefined when it is absent or expired. */
  get(key: Key): Promise<unknown> {
    // The per-request path: no async function (its own promise and turn); bad input still rejects.
    try {
      this.#open('get', key)
      return this.#reads.one('get', key, 'get', encodeKey(key), (text) => this.#codec.decodeOrUndefined('get', key, key, text as string | null))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The values of many records, in the order of `keys`; undefined where absent. */
  async getMany(keys: readonly Key[]): Promise<unknown[]> {
    this.#open('getMany', undefined)
    const texts = await this.#reads.values('getMany', undefined, encodeKeys(keys))
    return texts.map((text, i) => this.#codec.decodeOrUndefined('getMany', undefined, keys[i], text))
  }

  /**
   * The value of a live record, after giving it (and its index entries) a new ttl, in one
   * script: the per-request path of a session store. Same ttl rules as touch(). Undefined
   * when there is no such record.
   */
  async getAndTouch(key: Key, ttl?: number): Promise<unknown> {
    this.#open('getAndTouch', key)
    const parts = encodeKey(key)
    const ms = slidingTtl(ttl, this.defaultTtl)
    const text = await this.#executor.send('getAndTouch', key, (checked) => commands.touchValue(this.#layout, parts, ms, checked))
    return this.#codec.decodeOrUndefined('getAndTouch', key, key, text)
  }

  /** Whether a live record has this key. */
  async has(key: Key): Promise<boolean> {
    this.#open('has', key)
    return (await this.#reads.one('has', key, 'exists', encodeKey(key))) === 1
  }

  /** Removes a record and its index entries. Resolves true when a record was removed (undefined in 'async' mode). */
  async delete(key: Key): Promise<DeleteResult<W>> {
    this.#open('delete', key)
    const parts = encodeKey(key)
    return (await this.#executor.write('delete', key, (checked) => commands.remove(this.#layout, parts, checked))) as DeleteResult<W>
  }

  /**
   * Removes many records, each whole: script calls of at most LIMITS.batchRecords records of
   * one bucket each, each atomic. Resolves how many live records were removed; when calls
   * fail, the error's `entries` names the records of the calls that failed or were not sent.
   * Always waits for Redis's answer, also in 'async' mode.
   */
  async deleteMany(keys: readonly Key[]): Promise<number> {
    this.#open('deleteMany', undefined)
    const all = encodeKeys(keys)
    const calls = commands.removeMany(this.#layout, all, await this.#executor.checked('deleteMany', undefined))
    let removed = 0
    await this.#executor.batch('deleteMany', calls, all.length, (_, n) => (removed += n))
    return removed
  }

  /**
   * Reads and removes a record in one script: of callers racing to take the same key,
   * exactly one gets its value (one-time tokens: password resets, magic links, OAuth state).
   * Undefined when there is no such record. Always waits for Redis's answer.
   */
  async take(key: Key): Promise<unknown> {
    this.#open('take', key)
    const parts = encodeKey(key)
    const text = await this.#executor.send('take', key, (checked) => commands.take(this.#layout, parts, checked))
    return this.#codec.decodeOrUndefined('take', key, key, text)
  }

  /**
   * Gives a live record a new ttl (default: the store's ttl; Infinity: never expire).
   * Resolves false when there is no such record. On a store without a default ttl the ttl
   * must be given: a sliding expiry never removes an expiry by default.
   */
  async touch(key: Key, ttl?: number): Promise<boolean> {
    this.#open('touch', key)
    const parts = encodeKey(key)
    const ms = slidingTtl(ttl, this.defaultTtl)
    return this.#executor.send('touch', key, (checked) => commands.touch(this.#layout, parts, ms, checked))
  }

  /** Remaining time to live in ms; Infinity when the record never expires; undefined when absent. */
  async ttl(key: Key): Promise<number | undefined> {
    this.#open('ttl', key)
    const ms = (await this.#reads.one('ttl', key, 'pttl', encodeKey(key))) as number
    return ms === -2 ? undefined : ms === -1 ? Infinity : ms
  }

  /** Every live record whose key matches the pattern, as [key, value] pairs sorted by key. */
  async all(pattern: Pattern): Promise<Array<[Key, unknown]>> {
    this.#open('all', pattern)
    return allRecords(this.#listing, 'all', pattern, compilePattern(pattern))
  }

  /** The keys of every live record that matches the pattern, sorted; no value is read. */
  async keys(pattern: Pattern): Promise<Key[]> {
    this.#open('keys', pattern)
    return allKeys(this.#listing, 'keys', pattern, compilePattern(pattern))
  }

  /**
   * How many live records match the pattern, from the indexes; no value is read. A pattern
   * `[...prefix, REST]` is one ZCOUNT per bucket (on a server that cannot evict); any other
   * is counted by listing the matching keys page by page.
   */
  async count(pattern: Pattern): Promise<number> {
    this.#open('count', pattern)
    return countMatching(this.#listing, 'count', pattern, compilePattern(pattern))
  }

  /**
   * The records whose key matches the pattern, page by page, in no particular order. Only
   * one page of values is held at a time (and the encoded keys already yielded, to drop
   * the duplicates ZSCAN may return). With `values: false`, no value is read and each
   * record comes as [key, undefined].
   */
  iterate(pattern: Pattern, options: IterateOptions = {}): AsyncIterable<[Key, unknown]> {
    return iterateMatching(this.#listing, pattern, options, () => this.#open('iterate', pattern))
  }

  /** Removes every record whose key matches the pattern; resolves how many were removed. */
  async deleteAll(pattern: Pattern): Promise<number> {
    this.#open('deleteAll', pattern)
    const compiled = compilePattern(pattern)
    return deleteMatching(this.#listing, 'deleteAll', pattern, compiled, await this.#executor.checked('deleteAll', pattern))
  }

  /** Removes every record of this namespace and nothing else; resolves how many were removed. */
  async clear(): Promise<number> {
    this.#open('clear', undefined)
    return deleteMatching(this.#listing, 'clear', undefined, compilePattern([REST]), false)
  }

  /**
   * Checks that values and indexes agree: index entries whose value is gone, live values an
   * index is missing, indexes that expire before their longest-lived member. With
   * `repair: true`, fixes them, atomically per record. An admin call: it walks the
   * namespace's own keys with SCAN (MATCH on its hash tag), page by page.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.#open('verify', undefined)
    return verifyStore(this.#client, this.#executor, this.#layout, this.namespace, options)
  }

  /**
   * Subscribes to Redis keyspace notifications (on every master of a cluster, following
   * failovers) and emits 'expired' and 'evicted' with the decoded key of each of this
   * namespace's records that Redis removes. Rejects, saying the CONFIG SET line to run, when
   * the server's notify-keyspace-events lets none of the events listened for through (`Ex`
   * is enough for 'expired'; 'evicted' then gets one warning), unless `configureNotifications`
   * lets the store set it. An event comes when Redis removes the key (possibly later than its
   * ttl); pub/sub is at most once: events while disconnected are lost.
   */
  async watch(options: WatchOptions = {}): Promise<void> {
    this.#open('watch', undefined)
    checkWatchOptions(options)
    if (this.#watcher) return
    const report = (error: Error) => this.#calls.report(new CacheOperationError('watch', undefined, error))
    this.#watcher = new ExpiryWatcher(this.#client, this.#layout, options, (event, key) => this.emit(event, key), report, this)
    await startWatcher(this.#watcher, this.#calls).catch((error: unknown) => {
      this.#watcher = undefined
      throw error
    })
  }

  /** Ends the subscription of watch(). */
  async unwatch(): Promise<void> {
    const watcher = this.#watcher
    this.#watcher = undefined
    await watcher?.stop()
  }

  /** Waits until every pending async write has settled. Rejects with the failures no 'error' listener took. */
  flush(): Promise<void> {
    return this.#calls.flush()
  }

  /**
   * Flushes pending writes, then quits the client if the store created it. Later calls
   * reject. Every call of close() answers the same promise: none resolves before the
   * pending writes have settled.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.unwatch()
        await this.flush()
      } finally {
        if (this.#ownsClient) await this.#client.close()
        else this.#client.release()
      }
    })()
    return this.#closing
  }

  // --- internals -----------------------------------------------------------------

  #ttlOf(options: unknown, name?: string): number {
    return writeTtl(options, this.#defaultTtl, name)
  }

  /** A call after close() rejects with a RedisCacheError naming it. */
  #open(operation: Operation, key: unknown): void {
    if (this.#closing) throw new RedisCacheError(operation, key, '', new Error('this store is closed'))
  }

  /** For this package's integrations and CLI (internals.ts); not public API. */
  [internals](): CacheInternals {
    return lend(this.#layout, this.#client, this.#executor, this.#reads, (operation, key) => this.#open(operation, key))
  }
}
