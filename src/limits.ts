/**
 * Limits: the bounds that keep every script call short, so that no call of this store
 * blocks Redis (a single-threaded server) for long, whatever a caller passes in.
 *
 * A record of n parts writes n index entries, each holding the rest of its key, so its
 * storage and its scripts' work grow with n times the key's length: both are bounded.
 */
export const LIMITS = {
  /** Parts in one key or pattern. */
  keyParts: 32,
  /** Bytes (UTF-8) of a key's encoded parts, joined by ':' (namespace and tag not counted). */
  keyBytes: 16 * 1024,
  /**
   * Records one script call writes, reads or deletes (putMany, getMany, deleteMany, take
   * part in batches): a longer list is split into calls of at most this many records of
   * one bucket, each atomic. With a single bucket, a putMany of up to this many records is
   * all or none.
   */
  batchRecords: 500,
  /** Key parts of the records of one such call together (each part is an index the script writes or reads). */
  batchParts: 2000,
  /**
   * Such calls of one putMany, getMany or deleteMany in flight at once: the next is sent when
   * one is answered, so each call's timeout counts from when it is sent, and another client's
   * command waits behind at most this many of them.
   */
  batchesInFlight: 2,
  /**
   * Records one page of all()/iterate()/keys() asks a script for, and the ZSCAN and SCAN
   * COUNT of a page: a larger `count` is worked through in pages of this many.
   */
  pageRecords: 500,
  /** Bytes of values one page of all()/iterate() returns: a page ends once its values pass this (a larger single value still comes alone). */
  pageBytes: 1024 * 1024,
  /** Expired members one script removes from one index per call; the rest go in later calls. */
  prunePerIndex: 1000,
  /** The longest ttl in ms (2^47, about 4,460 years): larger ones are RangeErrors; Infinity means never. */
  maxTtl: 2 ** 47,
} as const

/** Throws a RangeError naming `name` when encoded parts pass the key limits. */
export function checkKeySize(parts: readonly string[], name: string): void {
  if (parts.length > LIMITS.keyParts) {
    throw new RangeError(`${name} has ${parts.length} parts; a key or pattern may have at most ${LIMITS.keyParts} (LIMITS.keyParts)`)
  }
  let length = parts.length - 1
  for (const part of parts) length += part.length
  // UTF-16 length times 3 bounds the UTF-8 length: count bytes only when it could matter.
  if (length * 3 <= LIMITS.keyBytes) return
  const bytes = Buffer.byteLength(parts.join(':'))
  if (bytes > LIMITS.keyBytes) {
    throw new RangeError(`${name} is ${bytes} bytes encoded; a key or pattern may be at most ${LIMITS.keyBytes} (LIMITS.keyBytes)`)
  }
}
