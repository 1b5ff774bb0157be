/**
 * Batches: many records in few script calls, each within one bucket (each bucket is one
 * hash slot, and a script touches one slot) and of a bounded size, in the layout the multi-record scripts take (put, read,
 * delete): KEYS holds, per record, its value key and then the index keys of its prefixes;
 * ARGV holds what the script needs first, then per record what `argsOf` gives.
 */
import type { BucketLayout } from './buckets.js'
import type { RedisClient } from './client/index.js'
import { type RecordsCall, runCall } from './commands.js'
import { CacheOperationError, type Operation } from './errors.js'
import { encodeKey } from './keys.js'
import { recordKeys } from './layout.js'
import { LIMITS } from './limits.js'

export interface BucketCall {
  readonly bucket: number
  readonly keys: string[]
  readonly args: (string | number)[]
  /** The position, in the records given, of each record of this call. */
  readonly positions: number[]
}

/**
 * The calls for these records: one per bucket, as many per bucket as it takes for each to
 * hold at most LIMITS.batchRecords records and LIMITS.batchParts key parts in all (the
 * work of a script grows with both), so that a list of any length never holds Redis for long.
 */
export function bucketCalls(
  layout: BucketLayout,
  records: ReadonlyArray<readonly string[]>,
  head: ReadonlyArray<string | number>,
  argsOf: (parts: readonly string[], position: number) => ReadonlyArray<string | number>,
): BucketCall[] {
  const open = new Map<number, BucketCall & { parts: number }>()
  const calls: BucketCall[] = []
  records.forEach((parts, position) => {
    const bucket = layout.bucketOf(parts)
    let call = open.get(bucket)
    if (!call || call.positions.length >= LIMITS.batchRecords || call.parts + parts.length > LIMITS.batchParts) {
      open.set(bucket, (call = { bucket, keys: [], args: [...head], positions: [], parts: 0 }))
      calls.push(call)
    }
    const { value, indexes } = recordKeys(layout.bases[bucket] as string, parts)
    call.keys.push(value, ...indexes)
    call.args.push(...argsOf(parts, position))
    call.positions.push(position)
    call.parts += parts.length
  })
  return calls
}

/** putMany's entries, checked and encoded before anything is sent: their keys, and per record its ttl and text. */
export interface EncodedEntries {
  readonly records: string[][]
  readonly values: Array<[ttl: number, text: string]>
}

export function encodeEntries(entries: unknown, encode: (value: unknown, name: string) => string, ttlOf: (options: unknown, name: string) => number, ttl: number): EncodedEntries {
  if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value] pairs, got ${typeof entries}`)
  const records: string[][] = []
  const values: Array<[number, string]> = []
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i]
    if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) throw new TypeError(`entries[${i}] must be a [key, value] pair or a [key, value, { ttl }] triple`)
    records.push(encodeKey(entry[0], `entries[${i}][0]`))
    values.push([entry.length === 3 ? ttlOf(entry[2], `entries[${i}][2]`) : ttl, encode(entry[1], `entries[${i}][1]`)])
  }
  return { records, values }
}

/**
 * Runs a batch's calls (each all or none) at once; when some fail, rejects with a
 * CacheOperationError whose `entries` names the records of the failed calls.
 */
export async function runBatch(client: RedisClient, operation: Operation, calls: readonly RecordsCall[], total: number): Promise<void> {
  const results = await Promise.allSettled(calls.map((call) => runCall(client, call)))
  const failed = calls.flatMap((call, i) => (results[i]?.status === 'rejected' ? call.positions : []))
  if (failed.length === 0) return
  const cause = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason
  throw new CacheOperationError(
    operation,
    undefined,
    cause,
    failed.sort((a, b) => a - b),
    total,
  )
}
