/**
 * Errors the store reports. Bad input is a plain TypeError or RangeError naming the
 * argument, thrown before anything is sent; these classes are for what happens after.
 */
import { inspect } from 'node:util'

export type Operation =
  | 'put' | 'putMany' | 'get' | 'getMany' | 'has' | 'delete' | 'all' | 'iterate'
  | 'deleteAll' | 'touch' | 'ttl' | 'clear'

function describe(operation: Operation, key: unknown): string {
  return key === undefined ? `${operation}()` : `${operation}(${inspect(key, { depth: 4, breakLength: Infinity })})`
}

/** Redis refused or failed a call. `message` carries Redis's own message; `cause` is its error. */
export class CacheOperationError extends Error {
  override name = 'CacheOperationError'
  readonly operation: Operation
  /** The key or pattern of the call, when it has one. */
  readonly key: unknown

  constructor(operation: Operation, key: unknown, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`redis-prefix-cache ${describe(operation, key)} failed: ${reason}`, { cause })
    this.operation = operation
    this.key = key
  }
}

/** A stored value could not be read back by the serializer. */
export class CacheDecodeError extends Error {
  override name = 'CacheDecodeError'
  readonly operation: Operation
  /** The key of the record whose value could not be decoded. */
  readonly key: unknown

  constructor(operation: Operation, key: unknown, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`redis-prefix-cache ${describe(operation, key)}: the stored value of ${inspect(key, { depth: 4, breakLength: Infinity })} could not be decoded: ${reason}`, { cause })
    this.operation = operation
    this.key = key
  }
}
