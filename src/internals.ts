/**
 * What a RedisCache lends the integrations of this package that need scripts of their own
 * (sessions): its bucket layout, one script call with the store's readiness, timeout and
 * error handling, and whether reads must check indexes (a server that evicts). Reached
 * through a symbol that the package's entry point does not export: not public API.
 */
import type { BucketLayout } from './buckets.js'
import type { Operation } from './errors.js'
import type { ScriptCall } from './commands.js'
import type { Client } from './scripts.js'

export const internals: unique symbol = Symbol('redis-prefix-cache internals')

export interface CacheInternals {
  readonly layout: BucketLayout
  readonly client: Client
  /** Sends one script call (commands.ts) as one call of the store: timeout, readiness and CacheOperationError. */
  send(operation: Operation, key: unknown, call: ScriptCall): Promise<unknown>
  /** Runs any Redis call as one call of the store. */
  call<T>(operation: Operation, key: unknown, run: () => Promise<T>): Promise<T>
  /** Whether reads must check indexes: the server's maxmemory policy can evict. */
  checked(operation: Operation, key: unknown): boolean | Promise<boolean>
}
