/**
 * What a RedisCache lends the integrations of this package that need scripts of their own
 * (sessions): its bucket layout, one script call with the store's readiness, timeout and
 * error handling, and whether reads must check indexes (a server that evicts). Reached
 * through a symbol that the package's entry point does not export: not public API.
 */
import type { BucketLayout } from './buckets.js'
import type { Operation } from './errors.js'
import type { ScriptName } from './scripts.js'
import type { Client } from './scripts.js'

export const internals: unique symbol = Symbol('redis-prefix-cache internals')

export interface CacheInternals {
  readonly layout: BucketLayout
  readonly client: Client
  /** Runs one script as one call of the store: timeout, readiness and CacheOperationError. */
  script(operation: Operation, key: unknown, script: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown>
  /** Runs any Redis call as one call of the store. */
  call<T>(operation: Operation, key: unknown, run: () => Promise<T>): Promise<T>
  /** Whether reads must check indexes: the server's maxmemory policy can evict. */
  checked(operation: Operation, key: unknown): boolean | Promise<boolean>
}
