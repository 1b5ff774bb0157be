/**
 * What a RedisCache lends the integrations of this package that need scripts of their own
 * (sessions) and the CLI: its client (the seam of client/), its bucket layout, one script call with the store's readiness, timeout and
 * error handling, and whether reads must check indexes (a server that evicts). Reached
 * through a symbol that the package's entry point does not export: not public API.
 */
import type { BucketLayout } from './buckets.js'
import type { Calls } from './calls.js'
import type { CacheDecodeError, CacheOperationError, Operation } from './errors.js'
import { runCall, type ScriptCall } from './script-call.js'
import type { Reads } from './reads.js'
import type { RedisClient } from './client/client.js'

export const internals: unique symbol = Symbol('redis-prefix-cache internals')

export interface CacheInternals {
  readonly layout: BucketLayout
  readonly client: RedisClient
  /** Sends one script call (commands.ts) as one call of the store: timeout, readiness and CacheOperationError. */
  send(operation: Operation, key: unknown, call: ScriptCall): Promise<unknown>
  /** Runs any Redis call as one call of the store. */
  call<T>(operation: Operation, key: unknown, run: () => Promise<T>): Promise<T>
  /** One call of the store: `plain` where the server cannot evict, else `checked` (a read that checks indexes: reads.ts). */
  either<T>(operation: Operation, key: unknown, plain: (client: RedisClient) => Promise<T>, checked: (client: RedisClient) => Promise<T>): Promise<T>
  /** Whether reads must check indexes: the server's maxmemory policy can evict. */
  checked(operation: Operation, key: unknown): boolean | Promise<boolean>
  /** Reports a failure nobody awaits (a record a listing skipped): the store's 'error' event, else a warning. */
  report(error: CacheDecodeError | CacheOperationError): void
}

/** What a store lends: each call first checks that the store is open (`open` throws once it is closed). */
export function lend(layout: BucketLayout, client: RedisClient, calls: Calls, reads: Reads, open: (operation: Operation, key: unknown) => void): CacheInternals {
  return {
    layout,
    client,
    send: (operation, key, call) => {
      open(operation, key)
      return calls.call(operation, key, () => runCall(client, call))
    },
    call: (operation, key, run) => {
      open(operation, key)
      return calls.call(operation, key, run)
    },
    either: (operation, key, plain, checked) => {
      open(operation, key)
      return reads.either(operation, key, plain, checked)
    },
    checked: (operation, key) => reads.checked(operation, key),
    report: (error) => calls.report(error),
  }
}
