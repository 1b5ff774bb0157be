/**
 * Batches: many records in few script calls, each within one bucket (each bucket is one
 * hash slot, and a script touches one slot) and of a bounded size, in the layout the multi-record scripts take (put, read,
 * delete): KEYS holds, per record, its value key and then the index keys of its prefixes;
 * ARGV holds what the script needs first, then per record what `argsOf` gives.
 */
import type { BucketLayout } from './buckets.js'
import type { RecordsCall } from './script-call.js'
import { CacheOperationError } from './errors.js'
import type { Operation } from './operations.js'
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
 * Runs the calls of a batch, at most LIMITS.batchesInFlight at a time, each sent by `send`
 * (its own deadline, counted from when it is sent) and its reply handed to `onReply`. So a
 * list of any length neither queues its calls behind each other until their deadlines pass
 * nor keeps other clients of the server waiting for long. After a call fails, no further
 * call is sent; the calls in flight settle. Then, when any failed, rejects with a
 * CacheOperationError whose `entries` names the records of the calls that failed or were
 * never sent (every other record was written or read), its `sent` whether any of those
 * calls was sent (and may have been applied), its cause the first failure's.
 */
export async function runBatch<C extends Pick<RecordsCall, 'positions'>, T>(
  operation: Operation,
  calls: readonly C[],
  total: number,
  send: (call: C) => Promise<T>,
  onReply: (call: C, reply: T) => void = () => undefined,
): Promise<void> {
  let next = 0
  let stopped = false
  const failures: CacheOperationError[] = []
  const failed: number[] = []
  const worker = async () => {
    while (!stopped && next < calls.length) {
      const call = calls[next++] as C
      try {
        onReply(call, await send(call))
      } catch (error) {
        stopped = true
        failures.push(error as CacheOperationError)
        failed.push(...call.positions)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(LIMITS.batchesInFlight, calls.length) }, worker))
  if (failures.length === 0) return
  for (let i = next; i < calls.length; i++) failed.push(...(calls[i] as C).positions)
  const first = failures[0] as CacheOperationError
  throw new CacheOperationError(
    operation,
    undefined,
    first instanceof CacheOperationError ? first.cause : first,
    failed.sort((a, b) => a - b),
    total,
    failures.some((failure) => !(failure instanceof CacheOperationError) || failure.sent),
  )
}
