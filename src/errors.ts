/**
 * Errors the store reports. Bad input is a plain TypeError or RangeError naming the
 * argument, thrown before anything is sent; these classes are for what happens after.
 */
import { inspect } from 'node:util'
import type { Operation } from './operations.js'

function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity })
}

/** What every error of a store call has: the operation, and its key or pattern when it has one. */
export class RedisCacheError extends Error {
  override name = 'RedisCacheError'
  readonly operation: Operation
  /** The key or pattern of the call (for a decode error: the record's key), when there is one. */
  readonly key: unknown

  constructor(operation: Operation, key: unknown, detail: string, cause: unknown) {
    const call = key === undefined ? `${operation}()` : `${operation}(${show(key)})`
    super(`redis-prefix-cache ${call}${detail}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.operation = operation
    this.key = key
  }
}

/** Redis refused or failed a call. `message` carries Redis's own message; `cause` is its error. */
export class CacheOperationError extends RedisCacheError {
  override name = 'CacheOperationError'
  /**
   * putMany, getMany, deleteMany: the positions (in the list passed) of the records that were
   * not written (read, deleted): those of the calls that failed or were never sent. The
   * others were (each call of up to LIMITS.batchRecords records of one bucket is atomic).
   */
  readonly entries: readonly number[] | undefined
  /**
   * Whether the command reached the connection. `false`: Redis never saw it (it failed or
   * timed out while connecting, or was refused before sending); it will never be applied,
   * and a retry is safe. `true`: it was sent, and may have been applied even when the call
   * timed out or the connection was lost (a Redis error reply is also `true`: Redis refused it,
   * and the message is Redis's own).
   */
  readonly sent: boolean

  constructor(operation: Operation, key: unknown, cause: unknown, entries?: readonly number[], total?: number, sent = true) {
    super(operation, key, entries ? ` failed for ${describeEntries(operation, entries, total ?? entries.length)}` : ' failed', cause)
    this.entries = entries
    this.sent = sent
  }
}

function describeEntries(operation: Operation, entries: readonly number[], total: number): string {
  const shown = entries.slice(0, 10).join(', ') + (entries.length > 10 ? ', ...' : '')
  const done = operation === 'getMany' ? 'read' : operation === 'deleteMany' ? 'deleted' : 'written'
  const rest = entries.length === total ? `none was ${done}` : `the other ${total - entries.length} were ${done}`
  return `${entries.length} of ${total} records (entries ${shown}; ${rest})`
}

/** A stored value could not be read back by the serializer. */
export class CacheDecodeError extends RedisCacheError {
  override name = 'CacheDecodeError'
  /** The key of the record whose stored value could not be decoded. */
  readonly record: unknown

  /** `key`: the key or pattern of the call; `record`: the key of the record that failed. */
  constructor(operation: Operation, key: unknown, record: unknown, cause: unknown) {
    super(operation, key, `: the stored value of ${show(record)} could not be decoded`, cause)
    this.record = record
  }
}
