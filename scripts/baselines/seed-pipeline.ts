/**
 * The seed: Pow's Redis cache guide (../shared/seed/pow-redis-cache-guide.txt), written
 * faithfully in TypeScript with ioredis pipelines. Same commands in the same order, same
 * defects: not atomic, the application's clock for index scores, the index expiry set to
 * the newest record's ttl, ttl required, async errors lost, no de-duplication of ZSCAN
 * pages, keys spread over slots. It is a baseline for the benchmark and for the tests that
 * show each defect; it is not part of the library.
 *
 * Key parts are written as the seed writes them, base64url of term_to_binary
 * (erlang-term.ts). What differs from the Elixir original, and does not change the
 * algorithm: values are written with superjson instead of term_to_binary, and
 * `allPages()` exposes the page loop that all() consumes, so a test can act between pages.
 */
import type { Redis } from 'ioredis'
import { indexKey, namespaceBase, valueKey } from '../../src/layout.js'
import { decodePart, encodePart, type KeyPart } from '../../src/parts.js'
import { decodeSeedPart, encodeSeedPart } from './erlang-term.js'
import { ANY } from '../../src/wildcards.js'
import { superjsonSerializer } from '../../src/values.js'

export interface SeedOptions {
  redis: Redis
  namespace?: string
  /** Required by the seed's code (defect 4), though its docs call it optional. */
  ttl?: number
  writes?: 'sync' | 'async'
  /** The application server's clock; a skewed server is simulated by shifting it. */
  clock?: () => number
  /**
   * 'seed' (default): the seed's keys, base64url of term_to_binary, indexes under `_index:`.
   * 'store': the same algorithm writing this store's key layout, so the store's verify()
   * can check what it leaves behind.
   */
  layout?: 'seed' | 'store'
}

/** Where the algorithm puts things: value keys and index keys of parts that start with the namespace. */
interface Layout {
  value(parts: unknown[]): string
  index(prefix: unknown[]): string
  member(rest: unknown[]): string
  decodeMember(member: string): KeyPart[]
}

// to_binary_redis_key, and "_index:#{key}"
const seedLayout: Layout = {
  value: (parts) => parts.map(encodeSeedPart).join(':'),
  index: (prefix) => `_index:${prefix.map(encodeSeedPart).join(':')}`,
  member: (rest) => rest.map(encodeSeedPart).join(':'),
  decodeMember: (member) => member.split(':').map(decodeSeedPart) as KeyPart[],
}

const storeLayout: Layout = {
  value: ([namespace, ...parts]) =>
    valueKey(
      namespaceBase(namespace),
      parts.map((part, i) => encodePart(part, `key[${i}]`)),
    ),
  index: ([namespace, ...prefix]) =>
    indexKey(
      namespaceBase(namespace),
      prefix.map((part, i) => encodePart(part, `key[${i}]`)),
    ),
  member: (rest) => rest.map((part, i) => encodePart(part, `key[${i}]`)).join(':'),
  decodeMember: (member) => member.split(':').map(decodePart),
}

type Command = (string | number)[]
type SeedKey = KeyPart | KeyPart[]
type SeedPattern = typeof ANY | SeedKey | (KeyPart | typeof ANY)[]

export class SeedCache {
  readonly redis: Redis
  readonly namespace: string
  readonly ttl: number | undefined
  readonly writes: 'sync' | 'async'
  readonly clock: () => number
  readonly #layout: Layout

  constructor(options: SeedOptions) {
    this.#layout = options.layout === 'store' ? storeLayout : seedLayout
    this.redis = options.redis
    this.namespace = options.namespace ?? 'cache'
    this.ttl = options.ttl
    this.writes = options.writes ?? 'sync'
    this.clock = options.clock ?? Date.now
  }

  // redis_key: [namespace | List.wrap(key)]
  #redisKey(key: unknown): unknown[] {
    return [this.namespace, ...(Array.isArray(key) ? key : [key])]
  }

  /** The Redis key of a record's value (for tests that look at Redis directly). */
  valueKey(key: SeedKey): string {
    return this.#layout.value(this.#redisKey(key))
  }

  /** The Redis key of the index of a prefix, and the member a key has in it. */
  indexEntry(prefix: KeyPart[], rest: KeyPart[]): [index: string, member: string] {
    return [this.#layout.index(this.#redisKey(prefix)), this.#layout.member(rest)]
  }

  #maybeAsync(run: () => Promise<void>): Promise<void> {
    if (this.writes === 'sync') return run()
    // Task.start(fun): the caller gets :ok, a failure only ends the background task.
    run().catch(() => undefined)
    return Promise.resolve()
  }

  async #pipeline(commands: Command[]): Promise<unknown[]> {
    const results = (await this.redis.pipeline(commands.map(([name, ...args]) => [String(name).toLowerCase(), ...args.map(String)])).exec()) ?? []
    const errors = results.filter(([error]) => error)
    if (errors.length > 0) throw new Error(`Redix received unexpected response ${errors.map(([e]) => (e as Error).message).join(', ')}`)
    return results.map(([, value]) => value)
  }

  // command_builder: split the key after 1..n parts
  #commands(key: unknown[], build: (prefix: unknown[], rest: unknown[]) => Command[]): Command[] {
    const out: Command[] = []
    for (let i = 1; i <= key.length; i++) out.push(...build(key.slice(0, i), key.slice(i)))
    return out
  }

  async put(key: SeedKey, value: unknown): Promise<void> {
    return this.putMany([[key, value]])
  }

  async putMany(records: Array<[SeedKey, unknown]>): Promise<void> {
    const ttl = this.ttl
    if (ttl === undefined) throw new Error('`:ttl` configuration option is required for SeedCache')
    const commands: Command[] = []
    for (const [key, value] of records) {
      commands.push(
        ...this.#commands(this.#redisKey(key), (prefix, rest) => {
          if (rest.length === 0) return [['SET', this.#layout.value(prefix), superjsonSerializer.stringify(value), 'PX', ttl]]
          const timestamp = this.clock()
          const index = this.#layout.index(prefix)
          return [
            ['ZREMRANGEBYSCORE', index, '-inf', timestamp],
            ['ZADD', index, timestamp + ttl, this.#layout.member(rest)],
            ['PEXPIRE', index, ttl],
          ]
        }),
      )
    }
    return this.#maybeAsync(async () => {
      await this.#pipeline(commands)
    })
  }

  async delete(key: SeedKey): Promise<void> {
    const commands = this.#commands(this.#redisKey(key), (prefix, rest) =>
      rest.length === 0 ? [['DEL', this.#layout.value(prefix)]] : [['ZREM', this.#layout.index(prefix), this.#layout.member(rest)]],
    )
    return this.#maybeAsync(async () => {
      await this.#pipeline(commands)
    })
  }

  async get(key: SeedKey): Promise<unknown> {
    const value = await this.redis.get(this.valueKey(key))
    return value === null ? undefined : superjsonSerializer.parse(value)
  }

  async getMany(keys: SeedKey[]): Promise<unknown[]> {
    const values = await this.redis.mget(keys.map((key) => this.valueKey(key)))
    return values.map((value) => (value === null ? undefined : superjsonSerializer.parse(value)))
  }

  async all(pattern: SeedPattern): Promise<Array<[SeedKey, unknown]>> {
    const out: Array<[SeedKey, unknown]> = []
    for await (const page of this.allPages(pattern)) out.push(...page)
    return out
  }

  /** The page loop of all(): ZREMRANGEBYSCORE once, then ZSCAN page by page, filter, MGET. */
  async *allPages(pattern: SeedPattern): AsyncGenerator<Array<[SeedKey, unknown]>> {
    const keyMatch = this.#redisKey(pattern)
    const wildcard = keyMatch.indexOf(ANY)
    const prefix = wildcard === -1 ? [this.namespace] : keyMatch.slice(0, wildcard)
    const index = this.#layout.index(prefix)
    await this.redis.zremrangebyscore(index, '-inf', this.clock())
    let cursor = '0'
    do {
      const [next, flat] = await this.redis.zscan(index, cursor)
      cursor = next
      const keys = flat.filter((_, i) => i % 2 === 0)
      yield await this.#filterOrLoadValue(pattern, prefix.slice(1) as KeyPart[], keys)
    } while (cursor !== '0')
  }

  async #filterOrLoadValue(pattern: SeedPattern, prefix: KeyPart[], members: string[]): Promise<Array<[SeedKey, unknown]>> {
    const records = members
      .map((member) => [...prefix, ...this.#layout.decodeMember(member)])
      .map((parts): SeedKey => (parts.length === 1 ? (parts[0] as KeyPart) : parts)) // unwrap
      .filter((key) => matchSpec(pattern, key))
    if (records.length === 0) return []
    const values = await this.redis.mget(records.map((key) => this.valueKey(key)))
    const out: Array<[SeedKey, unknown]> = []
    records.forEach((key, i) => {
      const value = values[i]
      if (value !== null && value !== undefined) out.push([key, superjsonSerializer.parse(value)])
    })
    return out
  }
}

/** An ETS match spec head {key_match, :_}: `:_` matches anything; lists match lists of equal length. */
function matchSpec(pattern: unknown, key: unknown): boolean {
  if (pattern === ANY) return true
  if (Array.isArray(pattern)) {
    return Array.isArray(key) && key.length === pattern.length && pattern.every((p, i) => matchSpec(p, key[i]))
  }
  return !Array.isArray(key) && encodeSeedPart(pattern) === encodeSeedPart(key)
}
