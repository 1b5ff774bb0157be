/**
 * redis-prefix-cache/keyv: a Keyv storage adapter (Keyv 5, which cache-manager 7 is built
 * on, and Keyv 6). Each Keyv namespace is a key part, so a record is `[keyvNamespace, key]`
 * in a RedisCache namespace (default 'keyv'), and clearing one Keyv namespace is one
 * deleteAll([keyvNamespace, ANY]) over its index: no SCAN, no KEYS, other namespaces untouched.
 *
 * Keyv hands the adapter its own serialized envelope (`{"value":...,"expires":...}`), a
 * string: it is stored as it is and given back unchanged.
 *
 * The two majors speak different contracts. Keyv 5 prefixes keys with `namespace:` itself
 * and passes a relative ttl in ms; Keyv 6 passes raw keys and, to an adapter that declares
 * `capabilities.expires`, an absolute expiry in epoch ms. Keyv 6 reads `capabilities` when it
 * takes the adapter, and that is how the adapter learns which contract it serves
 * (`contract: 'auto'`, the default); `contract: 5` or `6` fixes it.
 */
import { EventEmitter } from 'node:events'
import { ANY, type RedisCache, type Key, type Serializer } from '../index.js'
import { type IntegrationStoreOptions, integrationStore } from '../integration.js'
import { checkOptions } from '../checks.js'
import { redact } from '../urls.js'

/** Where the records go (a `redis` connection and `namespace`, or a `cache` to share: see IntegrationStoreOptions), and the Keyv contract. */
export interface KeyvPrefixCacheOptions extends Omit<IntegrationStoreOptions, 'namespace' | 'eviction'> {
  /** The RedisCache namespace (the Redis hash tag) when no `cache` is given. Default 'keyv'. With bucketBy 2, each key of a Keyv namespace picks its own bucket. */
  namespace?: string
  /** Which Keyv contract to serve: 'auto' (default) detects Keyv 6 by its reading `capabilities`. */
  contract?: 'auto' | 5 | 6
}

/** The options of the constructor (KeyvPrefixCacheOptions), as checkOptions takes them. */
const KEYV_OPTIONS = ['redis', 'redisOptions', 'cache', 'namespace', 'buckets', 'bucketBy', 'timeout', 'durability', 'contract'] as const

const showNamespace = (ns: string | undefined) => (ns === undefined ? 'no namespace' : `namespace ${JSON.stringify(ns)}`)

/** Keyv's serialized envelopes are strings: stored and read back unchanged. */
const asIs: Serializer = {
  stringify(value: unknown): string {
    if (typeof value !== 'string') {
      throw new TypeError(`KeyvPrefixCache stores what Keyv serialized, a string; got ${typeof value} (keep Keyv's serialization on)`)
    }
    return value
  },
  parse: (text: string) => text,
}

/** A Keyv 6 setMany entry, or a Keyv 5 one. */
type Entry = { key: string; value: unknown; expires?: number; ttl?: number }

export class KeyvPrefixCache extends EventEmitter {
  /** The Keyv namespace, set by the Keyv that takes the adapter (see the namespace setter). */
  #namespace: string | undefined
  /** Whether a Keyv has set the namespace: from then on the adapter serves that namespace only. */
  #claimed = false
  /** Keyv 5 lists an adapter's entries (iterator) only when its dialect or URL names a known backend. */
  readonly opts: { dialect: 'redis'; url: string }
  /** The store the adapter writes through. */
  readonly cache: RedisCache
  #contract: 5 | 6 | undefined

  constructor(options: KeyvPrefixCacheOptions = {}) {
    super()
    if (typeof options === 'string') {
      throw new TypeError(
        `options must be an object: pass the URL as { redis: ${JSON.stringify(redact(options))} } (the options of @keyv/redis's constructor are not this adapter's)`,
      )
    }
    checkOptions(options, KEYV_OPTIONS)
    const contract = options.contract ?? 'auto'
    if (contract !== 'auto' && contract !== 5 && contract !== 6) throw new TypeError(`options.contract must be 'auto', 5 or 6, got ${String(contract)}`)
    this.#contract = contract === 'auto' ? undefined : contract
    this.cache = integrationStore(options, { namespace: 'keyv', serializer: asIs })
    const url = typeof options.redis === 'string' ? redact(options.redis) : 'redis://'
    this.opts = { dialect: 'redis', url }
  }

  /** The Keyv namespace (undefined: records written without one). */
  get namespace(): string | undefined {
    return this.#namespace
  }

  /**
   * Keyv sets this when it takes the adapter. An adapter serves one Keyv namespace: Keyv
   * does not say on each call which Keyv makes it (Keyv 6 passes keys without their
   * namespace, Keyv 5's iterator() filters by the adapter's namespace, clear() of either
   * carries none), so Keyvs of different namespaces sharing one adapter would mix their
   * records, list each other's and clear each other's. A second, different namespace is
   * refused with a TypeError, which `new Keyv(...)` (or setting `keyv.namespace`) throws.
   * Keyvs of one namespace may share an adapter; for several namespaces, give each Keyv its
   * own adapter: `new KeyvPrefixCache({ cache })` shares one RedisCache and its connection.
   */
  set namespace(namespace: string | undefined) {
    if (namespace !== undefined && typeof namespace !== 'string') throw new TypeError(`namespace must be a string, got ${typeof namespace}`)
    if (this.#claimed && namespace !== this.#namespace) {
      throw new TypeError(
        `this KeyvPrefixCache already serves the Keyv of ${showNamespace(this.#namespace)}; a Keyv of ${showNamespace(namespace)} on the same adapter would mix their records, list the other's and clear them. ` +
          'Give each Keyv namespace its own adapter: new KeyvPrefixCache({ cache }) shares one RedisCache and its connection between them',
      )
    }
    this.#claimed = true
    this.#namespace = namespace
  }

  /** Keyv 6 reads this when it takes the adapter: it accepts an absolute `expires` on set and setMany. */
  get capabilities(): { expires: true } {
    this.#contract ??= 6
    return { expires: true }
  }

  get(key: string): Promise<string | undefined> {
    // The per-request path: no async function of its own; a bad key still rejects.
    try {
      return this.cache.get(this.#key(key)) as Promise<string | undefined>
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async getMany(keys: string[]): Promise<Array<string | undefined>> {
    return (await this.cache.getMany(this.#keys(keys))) as Array<string | undefined>
  }

  async has(key: string): Promise<boolean> {
    return this.cache.has(this.#key(key))
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return (await this.getMany(keys)).map((value) => value !== undefined)
  }

  /** Keyv 5: `ttlOrExpires` is a ttl in ms; Keyv 6: an absolute expiry in epoch ms. */
  async set(key: string, value: unknown, ttlOrExpires?: number): Promise<boolean> {
    const ttl = this.#ttl(this.#contract === 6 ? { expires: ttlOrExpires } : { ttl: ttlOrExpires })
    if (ttl === 0)
      await this.cache.delete(this.#key(key)) // already expired
    else await this.cache.put(this.#key(key), value, { ttl })
    return true
  }

  /** Keyv 5 entries carry a relative `ttl`, Keyv 6 entries an absolute `expires`: one putMany. */
  async setMany(entries: Entry[]): Promise<boolean[]> {
    if (!Array.isArray(entries)) throw new TypeError('entries must be an array')
    const live: Array<[Key, unknown, { ttl: number }]> = []
    const expired: Key[] = []
    for (const entry of entries) {
      const ttl = this.#ttl(entry)
      if (ttl === 0) expired.push(this.#key(entry.key))
      else live.push([this.#key(entry.key), entry.value, { ttl }])
    }
    if (live.length > 0) await this.cache.putMany(live)
    if (expired.length > 0) await this.cache.deleteMany(expired)
    return entries.map(() => true)
  }

  async delete(key: string): Promise<boolean> {
    return (await this.cache.delete(this.#key(key))) === true
  }

  /** Keyv 6: whether each key was removed; Keyv 5: whether all were. */
  async deleteMany(keys: string[]): Promise<boolean[] | boolean> {
    if (this.#contract === 6) {
      const removed = await Promise.all(this.#keys(keys).map((key) => this.cache.delete(key)))
      return removed.map((r) => r === true)
    }
    return (await this.cache.deleteMany(this.#keys(keys))) === keys.length
  }

  /** Removes every record of this Keyv namespace, from its index; nothing else. */
  async clear(): Promise<void> {
    await this.cache.deleteAll([this.#namespace ?? null, ANY])
  }

  /**
   * Every record of this Keyv namespace, page by page, as [key, stored envelope]. Keyv 5 passes
   * the namespace and expects keys as it wrote them (`namespace:key`); Keyv 6, raw keys.
   */
  async *iterator(namespace?: string): AsyncGenerator<[string, string], void> {
    const ns = namespace ?? this.#namespace
    const prefixed = this.#contract !== 6 && ns !== undefined
    for await (const [key, value] of this.cache.iterate([ns ?? null, ANY])) {
      const name = (key as [unknown, string])[1]
      yield [prefixed ? `${ns}:${name}` : name, value as string]
    }
  }

  /** Closes the adapter's store: its client is quit when the adapter created it (from a URL or options), never a client passed in or shared. */
  async disconnect(): Promise<void> {
    await this.cache.close()
  }

  /** [namespace, key] (null for no namespace); a Keyv 5 key arrives as `namespace:key`. */
  #key(key: unknown): Key {
    if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`)
    const ns = this.#namespace
    if (this.#contract !== 6 && ns !== undefined && key.startsWith(`${ns}:`)) return [ns, key.slice(ns.length + 1)]
    return [ns ?? null, key]
  }

  #keys(keys: unknown): Key[] {
    if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of strings, got ${typeof keys}`)
    return keys.map((key) => this.#key(key))
  }

  /** A store ttl in ms from a Keyv ttl or expiry: Infinity for none, 0 for already expired. */
  #ttl(entry: { ttl?: number; expires?: number }): number {
    if (typeof entry.expires === 'number' && Number.isFinite(entry.expires)) return Math.max(0, Math.ceil(entry.expires - Date.now()))
    if (typeof entry.ttl === 'number' && Number.isFinite(entry.ttl) && entry.ttl > 0) return Math.ceil(entry.ttl)
    return Infinity
  }
}
