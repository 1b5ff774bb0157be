/**
 * stats(): what a namespace holds, from its indexes (no keyspace SCAN). Each bucket's index of
 * the empty prefix (`{ns}:#`) lists every record with its expiry as the score; it is walked
 * page by page (ZSCAN), so the work is bounded per call and a progress callback can follow it.
 * From it: the live records, those that never expire, an expiry histogram, and the records
 * under each prefix, depth by depth. Memory is sampled with MEMORY USAGE on some value keys.
 */
import { internals } from './internals.js'
import { decodeParts } from './keys.js'
import { checkOptions } from './checks.js'
import type { KeyPart } from './parts.js'
import type { RedisCache } from './store.js'

export interface StatsOptions {
  /** How deep to count prefixes (1: first parts only). Default 2. */
  depth?: number
  /** Prefixes reported per depth, the largest first. Default 10. */
  top?: number
  /** Value keys whose MEMORY USAGE is sampled. Default 200. */
  sample?: number
  /** Called after each page of the walk with the index members seen so far and the total (ZCARD). */
  onProgress?: (seen: number, total: number) => void
}

export interface NamespaceStats {
  /** Live records (listed with an expiry still ahead, or none). */
  records: number
  neverExpire: number
  /** Records expiring within each horizon (cumulative), from the server's clock. */
  expiringWithin: Array<{ within: string; ms: number; records: number }>
  /** For each depth 1..depth, the prefixes with the most live records under them. */
  prefixes: Array<{ depth: number; top: Array<{ prefix: KeyPart[]; records: number }>; distinct: number }>
  /** MEMORY USAGE of sampled value keys, and the estimate for all records. */
  memory: { sampled: number; bytesPerRecord: number; estimatedBytes: number }
}

const HORIZONS: Array<[string, number]> = [
  ['1 minute', 60_000],
  ['1 hour', 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 7 * 86_400_000],
  ['30 days', 30 * 86_400_000],
]

export async function namespaceStats(cache: RedisCache<'sync' | 'async'>, options: StatsOptions = {}): Promise<NamespaceStats> {
  checkOptions(options, ['depth', 'top', 'sample', 'onProgress'])
  const depth = positive(options.depth ?? 2, 'options.depth')
  const top = positive(options.top ?? 10, 'options.top')
  const sample = positive(options.sample ?? 200, 'options.sample')
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new TypeError('options.onProgress must be a function')
  const { layout, client, call } = cache[internals]()
  return call('stats', undefined, async () => {
    const [seconds, micros] = (await client.command('TIME')) as [number | string, number | string]
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
    const indexes = layout.bases.map((base) => `${base}#`)
    const total = (await Promise.all(indexes.map(async (index) => (await client.command('ZCARD', index)) as number))).reduce((a, b) => a + b, 0)
    const counts = Array.from({ length: depth }, () => new Map<string, number>())
    const within = HORIZONS.map(() => 0)
    const sampled: string[] = []
    let records = 0
    let neverExpire = 0
    let seen = 0
    for (const index of indexes) {
      const base = index.slice(0, -1)
      let cursor = '0'
      do {
        const [next, page] = (await client.command('ZSCAN', index, cursor, 'COUNT', 1000)) as [string, string[]]
        cursor = next
        for (let i = 0; i < page.length; i += 2) {
          seen++
          const member = page[i] as string
          const score = page[i + 1] as string
          const expiry = score === 'inf' ? Infinity : Number(score)
          if (expiry <= now) continue // expired, not yet pruned
          records++
          if (expiry === Infinity) neverExpire++
          else
            HORIZONS.forEach(([, ms], h) => {
              if (expiry - now <= ms) within[h]!++
            })
          let at = -1
          for (let d = 0; d < depth; d++) {
            at = member.indexOf(':', at + 1)
            if (at === -1) break
            const prefix = member.slice(0, at)
            counts[d]!.set(prefix, (counts[d]!.get(prefix) ?? 0) + 1)
          }
          if (sampled.length < sample) sampled.push(base + member)
        }
        options.onProgress?.(seen, total)
      } while (cursor !== '0')
    }
    let bytes = 0
    let measured = 0
    for (const key of sampled) {
      const used = (await client.command('MEMORY', 'USAGE', key)) as number | null
      if (used !== null) {
        bytes += used
        measured++
      }
    }
    const bytesPerRecord = measured === 0 ? 0 : Math.round(bytes / measured)
    return {
      records,
      neverExpire,
      expiringWithin: HORIZONS.map(([label, ms], h) => ({ within: label, ms, records: within[h]! })),
      prefixes: counts.map((map, d) => ({
        depth: d + 1,
        distinct: map.size,
        top: [...map]
          .sort((a, b) => b[1] - a[1])
          .slice(0, top)
          .map(([prefix, n]) => ({ prefix: decodeParts(prefix.split(':')), records: n })),
      })),
      memory: { sampled: measured, bytesPerRecord, estimatedBytes: bytesPerRecord * records },
    }
  })
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`)
  return value
}
