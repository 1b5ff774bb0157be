/**
 * RedisCache: the store. It validates and encodes, runs one script (or one plain read
 * command) per call or per page, and decodes. What happens in Redis is in lua/.
 */
import { EventEmitter } from 'node:events'
import { connect, whenReady } from './connection.js'
import { checkEvictionMode, evictionWarning, readEvictionPolicy, type EvictionMode, type EvictionPolicy } from './eviction.js'
import { CacheDecodeError, CacheOperationError, type Operation } from './errors.js'
import { decodeParts, encodeKey, keyFromParts, type Key } from './keys.js'
import { BucketLayout, checkBuckets } from './buckets.js'
import { indexKey, recordKeys, valueKey, type RecordKeys } from './layout.js'
import {
  DEFAULTS,
  checkCount,
  checkTtl,
  checkWrites,
  type IterateOptions,
  type RedisCacheArgs,
  type WriteMode,
  type WriteOptions,
} from './options.js'
import { LIMITS } from './limits.js'
import { compareKeys } from './order.js'
import { decodePart, type KeyPart } from './parts.js'
import { compilePattern, type CompiledPattern, type Pattern } from './patterns.js'
import { defineScripts, runScript, type Client } from './scripts.js'
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
}

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
  readonly #timeout: number
  readonly #pending = new Set<Promise<void>>()
  readonly #eviction: EvictionMode
  /** Whether reads check every index of a record (see eviction.ts); undefined until known. */
  #checked: boolean | undefined
  #policy: EvictionPolicy | undefined
  #policyRead: Promise<boolean> | undefined
  readonly #forgetPolicy = () => {
    if (this.#eviction === 'detect') this.#checked = undefined
  }
  /** Async failures that found no 'error' listener: flush() and close() reject with them. */
  #unreported: CacheOperationError[] = []
  /** Set by the first close(): every later close() answers the same promise. */
  #closing: Promise<void> | undefined

  constructor(...[options = {}]: RedisCacheArgs<W>) {
    super()
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
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
    this.#timeout = checkCount(options.timeout ?? DEFAULTS.timeout, 'options.timeout')
    this.#eviction = checkEvictionMode(options.eviction ?? DEFAULTS.eviction)
    this.#checked = this.#eviction === 'detect' ? undefined : this.#eviction === 'checked'
    const { client, owned } = connect(options.redis)
    this.redis = client
    this.#ownsClient = owned
    defineScripts(client)
    // A reconnection may reach another server (a restart, a failover): read its policy again.
    client.on('ready', this.#forgetPolicy)
  }

  /** Stores a record. `options.ttl` overrides the store's default ttl for this call. */
  async put(key: Key, value: unknown, options?: WriteOptions): Promise<void> {
    this.#open()
    const parts = encodeKey(key)
    const text = serializeValue(this.#serializer, value)
    const ttl = this.#ttlOf(options)
    const { value: vkey, indexes } = recordKeys(this.#layout.baseOf(parts), parts)
    await this.#write('put', key, () => runScript(this.redis, 'put', [vkey, ...indexes], [ttl, parts.length, text]))
  }

  /**
   * Stores many records: one script call per bucket, so all of a bucket's records or none
   * (with the default single bucket: all records or none). At most LIMITS.putManyRecords
   * records and LIMITS.putManyParts key parts per call, so no script runs long.
   */
  async putMany(entries: ReadonlyArray<readonly [Key, unknown]>, options?: WriteOptions): Promise<void> {
    this.#open()
    if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value] pairs, got ${typeof entries}`)
    if (entries.length > LIMITS.putManyRecords) {
      throw new RangeError(`entries has ${entries.length} records; putMany takes at most ${LIMITS.putManyRecords} (LIMITS.putManyRecords): split the batch`)
    }
    const ttl = this.#ttlOf(options)
    const calls = new Map<number, { keys: string[]; args: (string | number)[]; entries: number[] }>()
    let totalParts = 0
    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i]
      if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError(`entries[${i}] must be a [key, value] pair`)
      const parts = encodeKey(entry[0], `entries[${i}][0]`)
      totalParts += parts.length
      if (totalParts > LIMITS.putManyParts) {
        throw new RangeError(`entries hold more than ${LIMITS.putManyParts} key parts in all (LIMITS.putManyParts), reached at entries[${i}]: split the batch`)
      }
      const text = serializeValue(this.#serializer, entry[1], `entries[${i}][1]`)
      const bucket = this.#layout.bucketOf(parts)
      let call = calls.get(bucket)
      if (!call) calls.set(bucket, (call = { keys: [], args: [ttl], entries: [] }))
      const { value: vkey, indexes } = recordKeys(this.#layout.bases[bucket] as string, parts)
      call.keys.push(vkey, ...indexes)
      call.args.push(parts.length, text)
      call.entries.push(i)
    }
    if (calls.size === 0) return
    await this.#write('putMany', undefined, async () => {
      const results = await Promise.allSettled([...calls.values()].map(({ keys, args }) => runScript(this.redis, 'put', keys, args)))
      const failed = [...calls.values()].flatMap((call, i) => (results[i]?.status === 'rejected' ? call.entries : []))
      if (failed.length === 0) return
      const cause = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason
      throw new CacheOperationError('putMany', undefined, cause, failed.sort((a, b) => a - b), entries.length)
    })
  }

  /** The value of a record, or undefined when it is absent or expired. */
  async get(key: Key): Promise<unknown> {
    this.#open()
    const parts = encodeKey(key)
    const text = (this.#checked ?? (await this.#readPolicy('get', key)))
      ? ((await this.#read('get', key, 'get', [parts]))[0] as string | null)
      : await this.#call('get', key, () => this.redis.get(this.#valueKey(parts)))
    return text === null ? undefined : this.#decode('get', key, key, text)
  }

  /** The values of many records, in the order of `keys`; undefined where absent. */
  async getMany(keys: readonly Key[]): Promise<unknown[]> {
    this.#open()
    if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of keys, got ${typeof keys}`)
    const all = keys.map((key, i) => encodeKey(key, `keys[${i}]`))
    let texts: Array<string | null>
    if (this.#checked ?? (await this.#readPolicy('getMany', undefined))) {
      texts = (await this.#read('getMany', undefined, 'get', all)) as Array<string | null>
    } else {
      // One MGET per bucket (a cluster answers MGET only within one slot).
      texts = new Array<string | null>(keys.length)
      await this.#call('getMany', undefined, () =>
        Promise.all([...this.#byBucket(all)].map(async ([bucket, at]) => {
          const base = this.#layout.bases[bucket] as string
          const found = await this.redis.mget(at.map((i) => valueKey(base, all[i] as string[])))
          found.forEach((text, j) => (texts[at[j] as number] = text))
        })),
      )
    }
    return Array.from(texts, (text, i) => (text === null ? undefined : this.#decode('getMany', undefined, keys[i], text)))
  }

  /** Whether a live record has this key. */
  async has(key: Key): Promise<boolean> {
    this.#open()
    const parts = encodeKey(key)
    const found = (this.#checked ?? (await this.#readPolicy('has', key)))
      ? (await this.#read('has', key, 'exists', [parts]))[0]
      : await this.#call('has', key, () => this.redis.exists(this.#valueKey(parts)))
    return found === 1
  }

  /** Removes a record and its index entries. Resolves true when a record was removed (undefined in 'async' mode). */
  async delete(key: Key): Promise<DeleteResult<W>> {
    this.#open()
    const { value: vkey, indexes } = this.#recordKeys(encodeKey(key))
    const removed = await this.#write('delete', key, () => runScript(this.redis, 'delete', [vkey, ...indexes], []))
    return (removed === undefined ? undefined : removed === 1) as DeleteResult<W>
  }

  /**
   * Gives a live record a new ttl (default: the store's ttl; Infinity: never expire).
   * Resolves false when there is no such record. On a store without a default ttl the ttl
   * must be given: a sliding expiry never removes an expiry by default.
   */
  async touch(key: Key, ttl?: number): Promise<boolean> {
    this.#open()
    const { value: vkey, indexes } = this.#recordKeys(encodeKey(key))
    const ms = this.#slidingTtl(ttl)
    const checked = this.#checked ?? (await this.#readPolicy('touch', key))
    return (await this.#call('touch', key, () => runScript(this.redis, 'touch', [vkey, ...indexes], [ms, checked ? '1' : '0']))) === 1
  }

  /** Remaining time to live in ms; Infinity when the record never expires; undefined when absent. */
  async ttl(key: Key): Promise<number | undefined> {
    this.#open()
    const parts = encodeKey(key)
    const ms = (this.#checked ?? (await this.#readPolicy('ttl', key)))
      ? ((await this.#read('ttl', key, 'pttl', [parts]))[0] as number)
      : await this.#call('ttl', key, () => this.redis.pttl(this.#valueKey(parts)))
    return ms === -2 ? undefined : ms === -1 ? Infinity : ms
  }

  /** Every live record whose key matches the pattern, as [key, value] pairs sorted by key. */
  async all(pattern: Pattern): Promise<Array<[Key, unknown]>> {
    this.#open()
    const compiled = compilePattern(pattern)
    if (compiled.exact) return this.#exact('all', pattern, compiled)
    const found: Array<{ parts: KeyPart[]; key: Key; value: unknown }> = []
    for await (const [parts, value] of this.#records('all', pattern, compiled, DEFAULTS.bulkCount)) {
      found.push({ parts, key: keyFromParts(parts), value })
    }
    found.sort((a, b) => compareKeys(a.parts, b.parts))
    return found.map(({ key, value }) => [key, value])
  }

  /**
   * The records whose key matches the pattern, page by page, in no particular order. Only
   * one page of values is held at a time (and the encoded keys already yielded, to drop
   * the duplicates ZSCAN may return).
   */
  iterate(pattern: Pattern, options: IterateOptions = {}): AsyncIterable<[Key, unknown]> {
    // An async generator: bad input and a closed store reject the first next(), as every
    // other call rejects, instead of throwing here.
    return (async function* (store: RedisCache<W>): AsyncGenerator<[Key, unknown]> {
      store.#open()
      const compiled = compilePattern(pattern)
      const count = checkCount(options?.count ?? DEFAULTS.iterateCount, 'options.count')
      if (compiled.exact) {
        yield* await store.#exact('iterate', pattern, compiled)
        return
      }
      for await (const [parts, value] of store.#records('iterate', pattern, compiled, count)) {
        yield [keyFromParts(parts), value]
      }
    })(this)
  }

  /** Removes every record whose key matches the pattern; resolves how many were removed. */
  async deleteAll(pattern: Pattern): Promise<number> {
    this.#open()
    return this.#deleteMatching('deleteAll', pattern, compilePattern(pattern))
  }

  /** Removes every record of this namespace and nothing else; resolves how many were removed. */
  async clear(): Promise<number> {
    this.#open()
    return this.#deleteMatching('clear', undefined, compilePattern([REST]))
  }

  /**
   * Checks that values and indexes agree: index entries whose value is gone, live values an
   * index is missing, indexes that expire before their longest-lived member. With
   * `repair: true`, fixes them, atomically per record. An admin call: it walks the
   * namespace's own keys with SCAN (MATCH on its hash tag), page by page.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.#open()
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
    if (options.repair !== undefined && typeof options.repair !== 'boolean') throw new TypeError('options.repair must be a boolean')
    const count = checkCount(options.count ?? DEFAULTS.bulkCount, 'options.count')
    // Read the policy afresh: verify is where an operator looks for what is wrong.
    if (this.#eviction === 'detect') this.#checked = undefined
    const checked = this.#checked ?? (await this.#readPolicy('verify', undefined))
    const policy = this.#eviction === 'detect' ? this.#policy : { policy: undefined, checked }
    // Many calls, as long as the namespace is large: no overall timeout.
    const report = await this.#call('verify', undefined, () => verifyNamespace(this.redis, this.#layout, { repair: options.repair === true, count, checked }), Infinity)
    const warning = this.#eviction === 'detect' && policy ? evictionWarning(policy, this.namespace) : undefined
    return { ...report, eviction: { mode: this.#eviction, policy: policy?.policy, checked }, warnings: warning ? [warning] : [] }
  }

  /** Waits until every pending async write has settled. Rejects with the failures no 'error' listener took. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending)
    const failures = this.#unreported
    if (failures.length === 0) return
    this.#unreported = []
    throw new AggregateError(failures, `${failures.length} async write(s) failed with no 'error' listener: ${failures[0]?.message}`)
  }

  /**
   * Flushes pending writes, then quits the client if the store created it. Later calls
   * reject. Every call of close() answers the same promise: none resolves before the
   * pending writes have settled.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.flush()
      } finally {
        this.redis.off('ready', this.#forgetPolicy)
        if (this.#ownsClient) await this.redis.quit().catch(() => this.redis.disconnect())
      }
    })()
    return this.#closing
  }

  // --- internals -----------------------------------------------------------------

  #valueKey(parts: readonly string[]): string {
    return valueKey(this.#layout.baseOf(parts), parts)
  }

  #recordKeys(parts: readonly string[]): RecordKeys {
    return recordKeys(this.#layout.baseOf(parts), parts)
  }

  /** Records grouped by bucket: bucket -> positions in `all`. */
  #byBucket(all: readonly (readonly string[])[]): Map<number, number[]> {
    const groups = new Map<number, number[]>()
    all.forEach((parts, i) => {
      const bucket = this.#layout.bucketOf(parts)
      const group = groups.get(bucket)
      if (group) group.push(i)
      else groups.set(bucket, [i])
    })
    return groups
  }

  /**
   * Reads records with the read script, which counts a record as live only while every
   * index lists it (a server that evicts): one call per bucket; answers in order.
   */
  async #read(operation: Operation, key: unknown, what: 'get' | 'exists' | 'pttl', all: readonly (readonly string[])[]): Promise<unknown[]> {
    const answers = new Array<unknown>(all.length)
    await this.#call(operation, key, () =>
      Promise.all([...this.#byBucket(all)].map(async ([bucket, at]) => {
        const keys: string[] = []
        const args: (string | number)[] = [what]
        for (const i of at) {
          const parts = all[i] as string[]
          const { value, indexes } = recordKeys(this.#layout.bases[bucket] as string, parts)
          keys.push(value, ...indexes)
          args.push(parts.length)
        }
        const replies = (await runScript(this.redis, 'read', keys, args)) as unknown[]
        at.forEach((i, j) => (answers[i] = replies[j] ?? null))
      })),
    )
    return answers
  }

  /** Reads the server's maxmemory policy (once, until the next reconnection); resolves whether reads check indexes. */
  #readPolicy(operation: Operation, key: unknown): Promise<boolean> {
    this.#policyRead ??= this.#call(operation, key, () => readEvictionPolicy(this.redis))
      .then((policy) => {
        this.#policy = policy
        evictionWarning(policy, this.namespace)
        this.#checked = policy.checked
        return policy.checked
      })
      .finally(() => (this.#policyRead = undefined))
    return this.#policyRead
  }

  #open(): void {
    if (this.#closing) throw new Error('redis-prefix-cache: this store is closed')
  }

  #ttlOf(options: WriteOptions | undefined): number {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError('options must be an object')
    }
    return checkTtl(options?.ttl, 'options.ttl') ?? this.#defaultTtl
  }

  /** The ttl of a sliding-expiry call: given, else the store's default; never 'none' by omission. */
  #slidingTtl(ttl: unknown): number {
    const ms = checkTtl(ttl, 'ttl') ?? (this.defaultTtl === undefined ? undefined : this.#defaultTtl)
    if (ms === undefined) {
      throw new RangeError('ttl must be given: this store has no default ttl, and a sliding expiry never removes an expiry by default (pass Infinity for that)')
    }
    return ms
  }

  /**
   * Runs one Redis call: its error, or its not answering within the timeout, becomes a
   * CacheOperationError. Nothing is sent before the client is ready: a call that times out
   * while Redis is unreachable never reaches it later (see whenReady).
   */
  async #call<T>(operation: Operation, key: unknown, run: () => Promise<T>, timeout = this.#timeout): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    let sent = false
    const timedOut = new Promise<never>((_, reject) => {
      if (timeout === Infinity) return
      timer = setTimeout(() => {
        const what = sent ? 'the command was sent and may still be applied' : 'nothing was sent'
        reject(new Error(`no answer from Redis within ${timeout} ms (options.timeout); connection ${this.redis.status}; ${what}`))
      }, timeout)
    })
    try {
      if (this.redis.status !== 'ready') await Promise.race([whenReady(this.redis), timedOut])
      sent = true
      return await Promise.race([run(), timedOut])
    } catch (error) {
      throw error instanceof CacheOperationError ? error : new CacheOperationError(operation, key, error)
    } finally {
      clearTimeout(timer)
    }
  }

  /** A write: awaited in 'sync' mode; in 'async' mode started, tracked and answered at once. */
  async #write(operation: Operation, key: unknown, run: () => Promise<unknown>): Promise<unknown> {
    if (this.writes === 'sync') return this.#call(operation, key, run)
    const pending: Promise<void> = this.#call(operation, key, run).then(
      () => undefined,
      (error: CacheOperationError) => this.#report(error),
    ).finally(() => this.#pending.delete(pending))
    this.#pending.add(pending)
    return undefined
  }

  #report(error: CacheOperationError | CacheDecodeError): void {
    if (this.listenerCount('error') > 0) {
      this.emit('error', error)
    } else if (error instanceof CacheDecodeError) {
      process.emitWarning(`${error.message} (skipped; no 'error' listener on the RedisCache)`, 'RedisPrefixCacheWarning')
    } else {
      this.#unreported.push(error)
      process.emitWarning(`${error.message} (no 'error' listener on the RedisCache; flush() and close() will reject with it)`, 'RedisPrefixCacheWarning')
    }
  }

  /** `key`: the call's key or pattern; `record`: the key of the record read. */
  #decode(operation: Operation, key: unknown, record: unknown, text: string): unknown {
    try {
      return this.#serializer.parse(text)
    } catch (error) {
      throw new CacheDecodeError(operation, key, record, error)
    }
  }

  async #exact(operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<Array<[Key, unknown]>> {
    const parts = decodeParts(compiled.prefix)
    const key = keyFromParts(parts)
    const text = (this.#checked ?? (await this.#readPolicy(operation, pattern)))
      ? ((await this.#read(operation, pattern, 'get', [compiled.prefix]))[0] as string | null)
      : await this.#call(operation, pattern, () => this.redis.get(this.#valueKey(compiled.prefix)))
    return text === null ? [] : [[key, this.#decode(operation, pattern, key, text)]]
  }

  /** One script call on one bucket's index of the pattern's prefix, which also names the bucket's root index. */
  async #page(script: 'page' | 'deletePage', operation: Operation, pattern: unknown, compiled: CompiledPattern, base: string, args: (string | number)[]): Promise<unknown[]> {
    const keys = [indexKey(base, compiled.prefix), indexKey(base, [])]
    args.push(compiled.rest ? '1' : '0', ...compiled.tail)
    return (await this.#call(operation, pattern, () => runScript(this.redis, script, keys, args))) as unknown[]
  }

  /**
   * Matching records, page by page, bucket by bucket. A page holds at most `count` records
   * and ends once its values pass LIMITS.pageBytes; a page cut short inside one ZSCAN page
   * resumes after the member it reached (page.lua).
   */
  async *#records(operation: Operation, pattern: unknown, compiled: CompiledPattern, count: number): AsyncGenerator<[KeyPart[], unknown]> {
    const prefix = decodeParts(compiled.prefix)
    const checked = this.#checked ?? (await this.#readPolicy(operation, pattern))
    for (const bucket of this.#layout.bucketsOf(compiled)) {
      const base = this.#layout.bases[bucket] as string
      const seen = new Set<string>()
      let cursor = '0'
      let after = ''
      do {
        const reply = (await this.#page('page', operation, pattern, compiled, base, [cursor, after, count, LIMITS.pageBytes, checked ? '1' : '0'])) as string[]
        cursor = reply[0] as string
        after = reply[1] as string
        for (let i = 2; i < reply.length; i += 2) {
          const member = reply[i] as string
          if (seen.has(member)) continue
          seen.add(member)
          const parts = prefix.concat(member.split(':').map(decodePart))
          let value: unknown
          try {
            value = this.#decode(operation, pattern, keyFromParts(parts), reply[i + 1] as string)
          } catch (error) {
            // One unreadable record does not make its whole prefix unreadable: it is
            // skipped and reported; get() of its key still rejects with the error.
            this.#report(error as CacheDecodeError)
            continue
          }
          yield [parts, value]
        }
      } while (cursor !== '0' || after !== '')
    }
  }

  async #deleteMatching(operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<number> {
    if (compiled.exact) {
      const { value: vkey, indexes } = this.#recordKeys(compiled.prefix)
      return (await this.#call(operation, pattern, () => runScript(this.redis, 'delete', [vkey, ...indexes], []))) as number
    }
    const removed = await Promise.all(
      this.#layout.bucketsOf(compiled).map(async (bucket) => {
        const base = this.#layout.bases[bucket] as string
        let total = 0
        let cursor = '0'
        do {
          const [next, count] = (await this.#page('deletePage', operation, pattern, compiled, base, [cursor, DEFAULTS.bulkCount])) as [string, number]
          cursor = next
          total += count
        } while (cursor !== '0')
        return total
      }),
    )
    return removed.reduce((a, b) => a + b, 0)
  }
}
