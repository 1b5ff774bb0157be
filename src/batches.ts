/**
 * Batches: many records in few script calls, each within one bucket (each bucket is one
 * hash slot, and a script touches one slot) and of a bounded size, in the layout the multi-record scripts take (put, read,
 * delete): KEYS holds, per record, its value key and then the index keys of its prefixes;
 * ARGV holds what the script needs first, then per record what `argsOf` gives.
 */
import type { BucketLayout } from './buckets.js'
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
