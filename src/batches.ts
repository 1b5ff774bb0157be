/**
 * Batches: many records in one script call per bucket (each bucket is one hash slot, and a
 * script touches one slot), in the layout the multi-record scripts take (put, read,
 * delete): KEYS holds, per record, its value key and then the index keys of its prefixes;
 * ARGV holds what the script needs first, then per record what `argsOf` gives.
 */
import type { BucketLayout } from './buckets.js'
import { recordKeys } from './layout.js'

export interface BucketCall {
  readonly bucket: number
  readonly keys: string[]
  readonly args: (string | number)[]
  /** The position, in the records given, of each record of this call. */
  readonly positions: number[]
}

export function bucketCalls(
  layout: BucketLayout,
  records: ReadonlyArray<readonly string[]>,
  head: ReadonlyArray<string | number>,
  argsOf: (parts: readonly string[], position: number) => ReadonlyArray<string | number>,
): BucketCall[] {
  const calls = new Map<number, BucketCall>()
  records.forEach((parts, position) => {
    const bucket = layout.bucketOf(parts)
    let call = calls.get(bucket)
    if (!call) calls.set(bucket, (call = { bucket, keys: [], args: [...head], positions: [] }))
    const { value, indexes } = recordKeys(layout.bases[bucket] as string, parts)
    call.keys.push(value, ...indexes)
    call.args.push(...argsOf(parts, position))
    call.positions.push(position)
  })
  return [...calls.values()]
}
