/** The store's events, and what delete() resolves to in each write mode. */
import type { CacheDecodeError, CacheOperationError } from './errors.js'
import type { Key } from './keys.js'
import type { WriteMode } from './write-mode.js'

/** What delete() resolves to: whether a record was removed; in 'async' mode, undefined. */
export type DeleteResult<W extends WriteMode> = W extends 'async' ? undefined : boolean

export interface RedisCacheEvents {
  /**
   * A write in 'async' mode failed (a CacheOperationError), or all()/iterate() skipped a
   * record whose stored value could not be decoded (a CacheDecodeError).
   */
  error: [error: CacheOperationError | CacheDecodeError]
  /** A record of this namespace expired (after watch()): its key, decoded. */
  expired: [key: Key]
  /** A record of this namespace was evicted under maxmemory (after watch()): its key, decoded. */
  evicted: [key: Key]
}
