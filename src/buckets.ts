/**
 * Buckets: how a namespace is spread over Redis Cluster hash slots. A record's bucket is a
 * stable hash (32-bit FNV-1a of the UTF-8 of its first `bucketBy` encoded parts, joined by
 * ':') modulo `buckets`. Every key of one bucket, values and indexes alike, carries the
 * bucket's hash tag, so every script still touches one slot. The hash is part of the
 * storage format: records written with one (buckets, bucketBy) are found only with the same.
 */
import { bucketBase, escapeGlob } from './layout.js'
import type { CompiledPattern } from './patterns.js'

/** 32-bit FNV-1a of a string's UTF-8 bytes. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

export class BucketLayout {
  /** The start of every key of each bucket: `{ns}:` for a single bucket, else `{ns#b}:`. */
  readonly bases: readonly string[]
  /** Every bucket number. */
  readonly all: readonly number[]
  /** The SCAN MATCH pattern of every key of the namespace, every bucket. */
  readonly match: string

  constructor(
    namespace: string,
    readonly buckets: number,
    readonly bucketBy: number,
  ) {
    this.all = Array.from({ length: buckets }, (_, b) => b)
    this.bases = this.all.map((b) => bucketBase(namespace, b, buckets))
    const glob = escapeGlob(namespace)
    this.match = buckets === 1 ? `{${glob}}:*` : `{${glob}#*}:*`
  }

  /** Whether a key base (`{ns}:` or `{ns#b}:`) is one of this namespace's buckets. */
  ownsTag(base: string): boolean {
    this.#bases ??= new Set(this.bases)
    return this.#bases.has(base)
  }

  #bases: Set<string> | undefined

  /** The bucket of a record with these encoded parts. */
  bucketOf(parts: readonly string[]): number {
    if (this.buckets === 1) return 0
    return fnv1a(parts.slice(0, this.bucketBy).join(':')) % this.buckets
  }

  baseOf(parts: readonly string[]): string {
    return this.bases[this.bucketOf(parts)] as string
  }

  /** The buckets that can hold a match: one when the pattern fixes the parts that choose the bucket. */
  bucketsOf(pattern: CompiledPattern): readonly number[] {
    if (pattern.prefix.length >= this.bucketBy || pattern.exact) return [this.bucketOf(pattern.prefix)]
    return this.all
  }
}

export function checkBuckets(buckets: unknown, bucketBy: unknown): { buckets: number; bucketBy: number } {
  if (typeof buckets !== 'number' || !Number.isSafeInteger(buckets) || buckets < 1 || buckets > 16384) {
    throw new RangeError(`options.buckets must be an integer from 1 to 16384, got ${String(buckets)}`)
  }
  if (typeof bucketBy !== 'number' || !Number.isSafeInteger(bucketBy) || bucketBy < 1) {
    throw new RangeError(`options.bucketBy must be a positive integer, got ${String(bucketBy)}`)
  }
  return { buckets, bucketBy }
}
