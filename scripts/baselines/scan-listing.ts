/**
 * The `scan` contender: records as plain keys with per-key expiry and no index, listed the
 * way connect-redis, @keyv/redis and unstorage list records: SCAN MATCH over the whole
 * keyspace, then MGET of what matched. Keys use this project's layout for values, so the
 * MATCH pattern is the record's prefix followed by `*` (glob characters escaped), and the
 * exact part count is checked after, as a store with these semantics would have to.
 * A baseline for the benchmark; not part of the library.
 */
import type { Redis } from 'ioredis'
import { escapeGlob, namespaceBase, valueKey } from '../../src/layout.js'
import { encodeKey } from '../../src/keys.js'
import { decodePart, encodePart, type KeyPart } from '../../src/parts.js'
import { superjsonSerializer } from '../../src/values.js'
import { ANY } from '../../src/wildcards.js'

export class ScanCache {
  readonly #base: string

  constructor(
    readonly redis: Redis,
    readonly namespace = 'cache',
    readonly ttl?: number,
    readonly count = 1000,
  ) {
    this.#base = namespaceBase(namespace)
  }

  #key(key: KeyPart | KeyPart[]): string {
    return valueKey(this.#base, encodeKey(key))
  }

  async putMany(records: Array<[KeyPart | KeyPart[], unknown]>): Promise<void> {
    const pipeline = this.redis.pipeline()
    for (const [key, value] of records) {
      const text = superjsonSerializer.stringify(value)
      if (this.ttl) pipeline.set(this.#key(key), text, 'PX', this.ttl)
      else pipeline.set(this.#key(key), text)
    }
    await pipeline.exec()
  }

  async get(key: KeyPart | KeyPart[]): Promise<unknown> {
    const text = await this.redis.get(this.#key(key))
    return text === null ? undefined : superjsonSerializer.parse(text)
  }

  /** Records whose key matches a pattern of parts and ANY (same semantics as the store's). */
  async all(pattern: Array<KeyPart | typeof ANY>): Promise<Array<[KeyPart[], unknown]>> {
    const encoded = pattern.map((part, i) => (part === ANY ? undefined : encodePart(part, `pattern[${i}]`)))
    const firstWildcard = encoded.indexOf(undefined)
    const prefix = encoded.slice(0, firstWildcard === -1 ? encoded.length : firstWildcard) as string[]
    const match = `${escapeGlob(this.#base + prefix.map((part) => `${part}:`).join(''))}*`
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', this.count)
      cursor = next
      for (const key of found) {
        const parts = key.slice(this.#base.length).split(':')
        if (parts.length === encoded.length && parts[parts.length - 1] !== '#' && encoded.every((want, i) => want === undefined || want === parts[i])) {
          keys.push(key)
        }
      }
    } while (cursor !== '0')
    const unique = [...new Set(keys)]
    if (unique.length === 0) return []
    const values = await this.redis.mget(unique)
    const out: Array<[KeyPart[], unknown]> = []
    unique.forEach((key, i) => {
      const text = values[i]
      if (text != null) out.push([key.slice(this.#base.length).split(':').map(decodePart), superjsonSerializer.parse(text)])
    })
    return out
  }
}
