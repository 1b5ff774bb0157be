/**
 * RedisCache: the store. It validates and encodes, runs one script (or one plain read
 * command) per call or per page, and decodes. What happens in Redis is in lua/; listing by
 * pattern is in listing.ts, grouping records by bucket in batches.ts, the eviction policy in
 * eviction.ts.
 */
import { EventEmitter } from 'node:events'
import { bucketCalls } from './batches.js'
import { BucketLayout, checkBuckets } from './buckets.js'
import { Calls } from './calls.js'
import * as commands from './commands.js'
import { runCall, type ScriptCall } from './commands.js'
import { connect } from './connection.js'
import { CacheDecodeError, CacheOperationError, RedisCacheError, type Operation } from './errors.js'
import { checkEvictionMode, EvictionState, evictionWarning } from './eviction.js'
import { ExpiryWatcher, type WatchOptions } from './expiry.js'
import { internals, type CacheInternals } from './internals.js'
import { decodeParts, encodeKey, keyFromParts, type Key } from './keys.js'
import { valueKey } from './layout.js'
import { allMatching, countMatching, deleteMatching, matching, type ListingContext } from './listing.js'
import {
  CACHE_OPTIONS,
  DEFAULTS,
  checkBoolean,
  checkCount,
  checkOptions,
  checkTtl,
  checkWrites,
  type IterateOptions,
  type PutManyEntry,
  type RedisCacheArgs,
  type WriteMode,
  type WriteOptions,
} from './options.js'
import { compareKeys } from './order.js'
import type { KeyPart } from './parts.js'
import { compilePattern, type CompiledPattern, type Pattern } from './patterns.js'
import { defineScripts, type Client } from './scripts.js'
import { serializeValue, superjsonSerializer, type Serializer } from './values.js'
import { verifyNamespace, type VerifyOptions, type VerifyReport } from './verify.js'
import { REST } from './wildcards.js'

/** What delete() resolves to: whether a record was removed; in 'async' mode, undefined. */
export type DeleteResult<W extends WriteMode> = W extends 'async' ? undefined : boolean

export interface RedisCacheEvents {
  /**
   * A write in 'async' mode failed (a CacheOperationError), or all()/iterate() skipped a
   * record whose stored value could not be decoded (a CacheDecodeError).
   */
  error: [error: CacheOperationError | CacheDecodeError]
  /** A record of this namespace expired (after watch()): its key, decoded. */
  expired: [key: Key]
  /** A record of this namespace was evicted under maxmemory (after watch()): its key, decoded. */
  evicted: [key: Key]
}

type Encoded = readonly string[]

export class RedisCache<W extends WriteMode = 'sync'> extends EventEmitter<RedisCacheEvents> {
  /** The client the store talks through. */
  readonly redis: Client
  readonly namespace: string
  /** Default ttl in ms; undefined when records never expire by default. */
  readonly defaultTtl: number | undefined
  readonly writes: W
  /** How many buckets the namespace is spread over, and how many leading key parts choose one. */
  readonly buckets: number
  readonly bucketBy: number

  readonly #layout: BucketLayout
  readonly #defaultTtl: number
  readonly #serializer: Serializer
  readonly #ownsClient: boolean
  readonly #eviction: EvictionState
  readonly #listing: ListingContext
  readonly #calls: Calls
  /** Set by the first close(): every later close() answers the same promise. */
  #closing: Promise<void> | undefined
  #watcher: ExpiryWatcher | undefined

  constructor(...[options = {}]: RedisCacheArgs<W>) {
    super()
    checkOptions(options, CACHE_OPTIONS)
    const namespace = options.namespace ?? DEFAULTS.namespace
    const { buckets, bucketBy } = checkBuckets(options.buckets ?? 1, options.bucketBy ?? 1)
    this.#layout = new BucketLayout(namespace, buckets, bucketBy) // checks the namespace too
    this.namespace = namespace
    this.buckets = buckets
    this.bucketBy = bucketBy
    this.#defaultTtl = checkTtl(options.ttl, 'options.ttl') ?? 0
    this.defaultTtl = this.#defaultTtl === 0 ? undefined : this.#defaultTtl
    this.writes = checkWrites(options.writes ?? DEFAULTS.writes) as W
    const serializer = options.serializer ?? superjsonSerializer
    if (typeof serializer?.stringify !== 'function' || typeof serializer.parse !== 'function') {
      throw new TypeError('options.serializer must have stringify(value) and parse(text) methods')
    }
    this.#serializer = serializer
    const timeout = checkCount(options.timeout ?? DEFAULTS.timeout, 'options.timeout')
    const coalesce = checkBoolean(options.coalesceWrites, 'options.coalesceWrites') ?? true
    const eviction = checkEvictionMode(options.eviction ?? DEFAULTS.eviction)
    const { client, owned } = connect(options.redis, options.redisOptions)
    this.redis = client
    this.#ownsClient = owned
    defineScripts(client)
    this.#eviction = new EvictionState(eviction, client, namespace)
    this.#calls = new Calls(client, { timeout, coalesce, writes: this.writes }, this)
    this.#listing = { layout: this.#layout, send: (operation, pattern, call) => this.#send(operation, pattern, call) }
  }

  /** Stores a record. `options.ttl` overrides the store's default ttl for this call. */
  async put(key: Key, value: unknown, options?: WriteOptions): Promise<void> {
    this.#open('put', key)
    const parts = encodeKey(key)
    const text = serializeValue(this.#serializer, value)
    const ttl = this.#ttlOf(options)
    await this.#calls.write('put', key, () => runCall(this.redis, commands.put(this.#layout, parts, ttl, text)))
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
    if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value] pairs, got ${typeof entries}`)
    const ttl = this.#ttlOf(options)
    const all: Encoded[] = []
    const args: Array<[number, string]> = []
    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i]
      if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) throw new TypeError(`entries[${i}] must be a [key, value] pair or a [key, value, { ttl }] triple`)
      all.push(encodeKey(entry[0], `entries[${i}][0]`))
      args.push([entry.length === 3 ? this.#ttlOf(entry[2], `entries[${i}][2]`) : ttl, serializeValue(this.#serializer, entry[1], `entries[${i}][1]`)])
    }
    if (all.length === 0) return
    const calls = commands.putMany(this.#layout, all, args)
    await this.#calls.write('putMany', undefined, async () => {
      const results = await Promise.allSettled(calls.map((call) => runCall(this.redis, call)))
      const failed = calls.flatMap((call, i) => (results[i]?.status === 'rejected' ? call.positions : []))
      if (failed.length === 0) return
      const cause = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason
      throw new CacheOperationError(
        'putMany',
        undefined,
        cause,
        failed.sort((a, b) => a - b),
        entries.length,
      )
    })
  }

  /**
   * Stores a record only when no live record has its key (put-if-absent), atomically:
   * resolves true when it wrote. For locks, idempotency keys and creations that must happen
   * once. Always waits for Redis's answer, also in 'async' mode.
   */
  async add(key: Key, value: unknown, options?: WriteOptions): Promise<boolean> {
    this.#open('add', key)
    const parts = encodeKey(key)
    const text = serializeValue(this.#serializer, value)
    const ttl = this.#ttlOf(options)
    const checked = await this.#checked('add', key)
    return commands.added(await this.#send('add', key, commands.add(this.#layout, parts, ttl, text, checked)))
  }

  /** The value of a record, or undefined when it is absent or expired. */
  async get(key: Key): Promise<unknown> {
    this.#open('get', key)
    const parts = encodeKey(key)
    const text = (await this.#readOne('get', key, 'get', parts)) as string | null
    return this.#decodeOrUndefined('get', key, key, text)
  }

  /** The values of many records, in the order of `keys`; undefined where absent. */
  async getMany(keys: readonly Key[]): Promise<unknown[]> {
    this.#open('getMany', undefined)
    const all = this.#encodeKeys(keys)
    let texts: Array<string | null>
    if (await this.#checked('getMany', undefined)) {
      texts = (await this.#read('getMany', undefined, 'get', all)) as Array<string | null>
    } else {
      // One MGET per bucket (a cluster answers MGET only within one slot).
      texts = new Array<string | null>(keys.length)
      const groups = bucketCalls(this.#layout, all, [], () => [])
      await this.#calls.call('getMany', undefined, () =>
        Promise.all(
          groups.map(async ({ bucket, positions }) => {
            const base = this.#layout.bases[bucket] as string
            const found = await this.redis.mget(positions.map((i) => valueKey(base, all[i] as Encoded)))
            found.forEach((text, j) => (texts[positions[j] as number] = text))
          }),
        ),
      )
    }
    return texts.map((text, i) => this.#decodeOrUndefined('getMany', undefined, keys[i], text))
  }

  /**
   * The value of a live record, after giving it (and its index entries) a new ttl, in one
   * script: the per-request path of a session store. Same ttl rules as touch(). Undefined
   * when there is no such record.
   */
  async getAndTouch(key: Key, ttl?: number): Promise<unknown> {
    this.#open('getAndTouch', key)
    const parts = encodeKey(key)
    const ms = this.#slidingTtl(ttl)
    const checked = await this.#checked('getAndTouch', key)
    const text = commands.textOf(await this.#send('getAndTouch', key, commands.touch(this.#layout, parts, ms, checked, true)))
    return this.#decodeOrUndefined('getAndTouch', key, key, text)
  }

  /** Whether a live record has this key. */
  async has(key: Key): Promise<boolean> {
    this.#open('has', key)
    const parts = encodeKey(key)
    return (await this.#readOne('has', key, 'exists', parts)) === 1
  }

  /** Removes a record and its index entries. Resolves true when a record was removed (undefined in 'async' mode). */
  async delete(key: Key): Promise<DeleteResult<W>> {
    this.#open('delete', key)
    const parts = encodeKey(key)
    const removed = await this.#calls.write('delete', key, async () => {
      // Inside the write's own call (its timeout, its error; in 'async' mode, reported).
      const checked = this.#eviction.checked ?? (await this.#eviction.read())
      return commands.removed(await runCall(this.redis, commands.remove(this.#layout, parts, checked)))
    })
    return removed as DeleteResult<W>
  }

  /**
   * Removes many records, each whole: one script call per bucket. Resolves how many live
   * records were removed. Always waits for Redis's answer, also in 'async' mode.
   */
  async deleteMany(keys: readonly Key[]): Promise<number> {
    this.#open('deleteMany', undefined)
    const all = this.#encodeKeys(keys)
    const checked = await this.#checked('deleteMany', undefined)
    const calls = commands.removeMany(this.#layout, all, checked)
    const removed = await this.#calls.call('deleteMany', undefined, () => Promise.all(calls.map((call) => runCall(this.redis, call))))
    return (removed as number[]).reduce((a, b) => a + b, 0)
  }

  /**
   * Reads and removes a record in one script: of callers racing to take the same key,
   * exactly one gets its value (one-time tokens: password resets, magic links, OAuth state).
   * Undefined when there is no such record. Always waits for Redis's answer.
   */
  async take(key: Key): Promise<unknown> {
    this.#open('take', key)
    const parts = encodeKey(key)
    const checked = await this.#checked('take', key)
    const text = commands.textOf(await this.#send('take', key, commands.take(this.#layout, parts, checked)))
    return this.#decodeOrUndefined('take', key, key, text)
  }

  /**
   * Gives a live record a new ttl (default: the store's ttl; Infinity: never expire).
   * Resolves false when there is no such record. On a store without a default ttl the ttl
   * must be given: a sliding expiry never removes an expiry by default.
   */
  async touch(key: Key, ttl?: number): Promise<boolean> {
    this.#open('touch', key)
    const parts = encodeKey(key)
    const ms = this.#slidingTtl(ttl)
    const checked = await this.#checked('touch', key)
    return commands.touched(await this.#send('touch', key, commands.touch(this.#layout, parts, ms, checked, false)))
  }

  /** Remaining time to live in ms; Infinity when the record never expires; undefined when absent. */
  async ttl(key: Key): Promise<number | undefined> {
    this.#open('ttl', key)
    const parts = encodeKey(key)
    const ms = (await this.#readOne('ttl', key, 'pttl', parts)) as number
    return ms === -2 ? undefined : ms === -1 ? Infinity : ms
  }

  /** Every live record whose key matches the pattern, as [key, value] pairs sorted by key. */
  async all(pattern: Pattern): Promise<Array<[Key, unknown]>> {
    this.#open('all', pattern)
    const compiled = compilePattern(pattern)
    if (compiled.exact) return this.#exact('all', pattern, compiled)
    const checked = await this.#checked('all', pattern)
    const found: Array<{ parts: KeyPart[]; value: unknown }> = []
    for (const [parts, text] of await allMatching(this.#listing, 'all', pattern, compiled, { count: DEFAULTS.bulkCount, checked, values: true })) {
      const value = this.#listedValue('all', pattern, parts, text as string)
      if (value !== UNREADABLE) found.push({ parts, value })
    }
    found.sort((a, b) => compareKeys(a.parts, b.parts))
    return found.map(({ parts, value }) => [keyFromParts(parts), value])
  }

  /** The keys of every live record that matches the pattern, sorted; no value is read. */
  async keys(pattern: Pattern): Promise<Key[]> {
    this.#open('keys', pattern)
    const found: KeyPart[][] = []
    for await (const parts of this.#keysMatching('keys', pattern, compilePattern(pattern), DEFAULTS.bulkCount)) found.push(parts)
    return found.sort(compareKeys).map(keyFromParts)
  }

  /**
   * How many live records match the pattern, from the indexes; no value is read. A pattern
   * `[...prefix, REST]` is one ZCOUNT per bucket (on a server that cannot evict); any other
   * is counted by listing the matching keys page by page.
   */
  async count(pattern: Pattern): Promise<number> {
    this.#open('count', pattern)
    const compiled = compilePattern(pattern)
    if (compiled.exact) return (await this.has(keyFromParts(decodeParts(compiled.prefix)))) ? 1 : 0
    return countMatching(this.#listing, 'count', pattern, compiled, await this.#checked('count', pattern))
  }

  /**
   * The records whose key matches the pattern, page by page, in no particular order. Only
   * one page of values is held at a time (and the encoded keys already yielded, to drop
   * the duplicates ZSCAN may return). With `values: false`, no value is read and each
   * record comes as [key, undefined].
   */
  iterate(pattern: Pattern, options: IterateOptions = {}): AsyncIterable<[Key, unknown]> {
    // An async generator: bad input and a closed store reject the first next(), as every
    // other call rejects, instead of throwing here.
    return (async function* (store: RedisCache<W>): AsyncGenerator<[Key, unknown]> {
      store.#open('iterate', pattern)
      checkOptions(options, ['count', 'values'])
      const compiled = compilePattern(pattern)
      const count = checkCount(options.count ?? DEFAULTS.iterateCount, 'options.count')
      checkBoolean(options.values, 'options.values')
      if (options.values === false) {
        for await (const parts of store.#keysMatching('iterate', pattern, compiled, count)) yield [keyFromParts(parts), undefined]
        return
      }
      if (compiled.exact) {
        yield* await store.#exact('iterate', pattern, compiled)
        return
      }
      for await (const [parts, value] of store.#records('iterate', pattern, compiled, count)) yield [keyFromParts(parts), value]
    })(this)
  }

  /** Removes every record whose key matches the pattern; resolves how many were removed. */
  async deleteAll(pattern: Pattern): Promise<number> {
    this.#open('deleteAll', pattern)
    const compiled = compilePattern(pattern)
    return deleteMatching(this.#listing, 'deleteAll', pattern, compiled, await this.#checked('deleteAll', pattern))
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
    checkOptions(options, ['repair', 'count', 'onProgress'])
    checkBoolean(options.repair, 'options.repair')
    const count = checkCount(options.count ?? DEFAULTS.bulkCount, 'options.count')
    const { onProgress } = options
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function')
    // Read the policy afresh: verify is where an operator looks for what is wrong.
    this.#eviction.forget()
    const checked = await this.#checked('verify', undefined)
    const { mode, policy } = this.#eviction
    // Many calls, as long as the namespace is large: no overall timeout.
    const report = await this.#calls.call(
      'verify',
      undefined,
      () => verifyNamespace(this.redis, this.#layout, { repair: options.repair === true, count, checked, onProgress }),
      Infinity,
    )
    const warning = mode === 'detect' && policy ? evictionWarning(policy, this.namespace) : undefined
    return { ...report, eviction: { mode, policy: mode === 'detect' ? policy?.policy : undefined, checked }, warnings: warning ? [warning] : [] }
  }

  /**
   * Subscribes to Redis keyspace notifications (on every master of a cluster, following
   * failovers) and emits 'expired' and 'evicted' with the decoded key of each of this
   * namespace's records that Redis removes. Rejects, saying the CONFIG SET line to run, when
   * the server's notify-keyspace-events does not allow them, unless `configureNotifications`
   * lets the store set it. An event comes when Redis removes the key (possibly later than its
   * ttl); pub/sub is at most once: events while disconnected are lost.
   */
  async watch(options: WatchOptions = {}): Promise<void> {
    this.#open('watch', undefined)
    checkOptions(options, ['configureNotifications'])
    checkBoolean(options.configureNotifications, 'options.configureNotifications')
    if (this.#watcher) return
    const watcher = new ExpiryWatcher(
      this.redis,
      this.#layout,
      options,
      (event, key) => this.emit(event, key),
      (error) => this.#calls.report(new CacheOperationError('watch', undefined, error)),
    )
    this.#watcher = watcher
    try {
      await this.#calls.call('watch', undefined, () => watcher.start())
    } catch (error) {
      this.#watcher = undefined
      await watcher.stop()
      throw error
    }
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
        if (this.#ownsClient) await this.redis.quit().catch(() => this.redis.disconnect())
      }
    })()
    return this.#closing
  }

  // --- internals -----------------------------------------------------------------

  #valueKey(parts: Encoded): string {
    return valueKey(this.#layout.baseOf(parts), parts)
  }

  #encodeKeys(keys: unknown): Encoded[] {
    if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of keys, got ${typeof keys}`)
    return keys.map((key, i) => encodeKey(key, `keys[${i}]`))
  }

  /** Whether reads must check every index of a record (the server can evict); read from the server once. */
  #checked(operation: Operation, key: unknown): boolean | Promise<boolean> {
    return this.#eviction.checked ?? this.#calls.call(operation, key, () => this.#eviction.read())
  }

  /**
   * One record's value (GET), existence (EXISTS) or ttl (PTTL): the plain command where the
   * server cannot evict, else the read script, which counts a record only while every index
   * lists it.
   */
  #readOne(operation: Operation, key: unknown, what: 'get' | 'exists' | 'pttl', parts: Encoded): Promise<unknown> {
    const checked = this.#eviction.checked
    if (checked === false) {
      const valueKey = this.#valueKey(parts)
      return this.#calls.call<unknown>(operation, key, () =>
        what === 'get' ? this.redis.get(valueKey) : what === 'exists' ? this.redis.exists(valueKey) : this.redis.pttl(valueKey),
      )
    }
    return this.#readChecked(operation, key, what, parts)
  }

  async #readChecked(operation: Operation, key: unknown, what: 'get' | 'exists' | 'pttl', parts: Encoded): Promise<unknown> {
    if (await this.#checked(operation, key)) return (await this.#read(operation, key, what, [parts]))[0]
    return this.#readOne(operation, key, what, parts)
  }

  /**
   * Reads records with the read script, which counts a record as live only while every
   * index lists it (a server that evicts): one call per bucket; answers in order.
   */
  async #read(operation: Operation, key: unknown, what: 'get' | 'exists' | 'pttl', all: Encoded[]): Promise<unknown[]> {
    const answers = new Array<unknown>(all.length)
    const calls = commands.read(this.#layout, all, what)
    await this.#calls.call(operation, key, () =>
      Promise.all(
        calls.map(async (call) => {
          const replies = (await runCall(this.redis, call)) as unknown[]
          const { positions } = call
          positions.forEach((i, j) => (answers[i] = replies[j] ?? null))
        }),
      ),
    )
    return answers
  }

  /** One script call (commands.ts) as one store call: its timeout and errors. */
  #send(operation: Operation, key: unknown, call: ScriptCall): Promise<unknown> {
    return this.#calls.call(operation, key, () => runCall(this.redis, call))
  }

  /** For this package's integrations that run scripts of their own (internals.ts); not public API. */
  [internals](): CacheInternals {
    return {
      layout: this.#layout,
      client: this.redis,
      send: (operation, key, call) => {
        this.#open(operation, key)
        return this.#send(operation, key, call)
      },
      call: (operation, key, run) => {
        this.#open(operation, key)
        return this.#calls.call(operation, key, run)
      },
      checked: (operation, key) => this.#checked(operation, key),
    }
  }

  /** A call after close() rejects with a RedisCacheError naming it. */
  #open(operation: Operation, key: unknown): void {
    if (this.#closing) throw new RedisCacheError(operation, key, '', new Error('this store is closed'))
  }

  #ttlOf(options: unknown, name = 'options'): number {
    if (options !== undefined) checkOptions(options, ['ttl'], name)
    return checkTtl((options as WriteOptions | undefined)?.ttl, `${name}.ttl`) ?? this.#defaultTtl
  }

  /** The ttl of a sliding-expiry call: given, else the store's default; never 'none' by omission. */
  #slidingTtl(ttl: unknown): number {
    const ms = checkTtl(ttl, 'ttl') ?? (this.defaultTtl === undefined ? undefined : this.#defaultTtl)
    if (ms === undefined) {
      throw new RangeError('ttl must be given: this store has no default ttl, and a sliding expiry never removes an expiry by default (pass Infinity for that)')
    }
    return ms
  }

  /** `key`: the call's key or pattern; `record`: the key of the record read. */
  #decode(operation: Operation, key: unknown, record: unknown, text: string): unknown {
    try {
      return this.#serializer.parse(text)
    } catch (error) {
      throw new CacheDecodeError(operation, key, record, error)
    }
  }

  #decodeOrUndefined(operation: Operation, key: unknown, record: unknown, text: string | null | undefined): unknown {
    return text === null || text === undefined ? undefined : this.#decode(operation, key, record, text)
  }

  async #exact(operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<Array<[Key, unknown]>> {
    const key = keyFromParts(decodeParts(compiled.prefix))
    const text = (await this.#readOne(operation, pattern, 'get', compiled.prefix)) as string | null
    return text === null ? [] : [[key, this.#decode(operation, pattern, key, text)]]
  }

  /** The parts of each live record that matches, no value read (an exact pattern: its one key, if live). */
  async *#keysMatching(operation: Operation, pattern: unknown, compiled: CompiledPattern, count: number): AsyncGenerator<KeyPart[]> {
    if (compiled.exact) {
      const parts = decodeParts(compiled.prefix)
      if (await this.has(keyFromParts(parts))) yield parts
      return
    }
    const checked = await this.#checked(operation, pattern)
    for await (const [parts] of matching(this.#listing, operation, pattern, compiled, { count, checked, values: false })) yield parts
  }

  /** Matching records with their decoded values; one that cannot be decoded is skipped and reported. */
  async *#records(operation: Operation, pattern: unknown, compiled: CompiledPattern, count: number): AsyncGenerator<[KeyPart[], unknown]> {
    const checked = await this.#checked(operation, pattern)
    for await (const [parts, text] of matching(this.#listing, operation, pattern, compiled, { count, checked, values: true })) {
      const value = this.#listedValue(operation, pattern, parts, text as string)
      if (value !== UNREADABLE) yield [parts, value]
    }
  }

  /**
   * A listed record's decoded value, or UNREADABLE: one unreadable record does not make its
   * whole prefix unreadable: it is skipped and reported; get() of its key still rejects.
   */
  #listedValue(operation: Operation, pattern: unknown, parts: KeyPart[], text: string): unknown {
    try {
      return this.#decode(operation, pattern, keyFromParts(parts), text)
    } catch (error) {
      this.#calls.report(error as CacheDecodeError)
      return UNREADABLE
    }
  }
}

/** What #listedValue answers for a record that cannot be decoded. */
const UNREADABLE = Symbol('unreadable')
