/**
 * What a RedisCache lends the integrations of this package that need scripts of their own
 * (sessions) and the CLI: its client (the seam of client/), its bucket layout, its executor
 * (the one way to send a script call: the store's readiness, timeout, tracing, durability
 * and error handling), and whether reads must check indexes (a server that evicts). Reached
 * through a symbol that the package's entry point does not export: not public API.
 */
import type { BucketLayout } from './buckets.js'
import type { RedisClient } from './client/client.js'
import type { CacheDecodeError, CacheOperationError } from './errors.js'
import type { Build, Executor } from './executor.js'
import type { Operation } from './operations.js'
import type { Reads } from './reads.js'
import type { ScriptCall } from './script-call.js'

export const internals: unique symbol = Symbol('redis-prefix-cache internals')

export interface CacheInternals {
  readonly layout: BucketLayout
  readonly client: RedisClient
  /** Sends one script call (or builds it once whether reads check indexes is known) as one call of the store. */
  send<T>(operation: Operation, key: unknown, call: Build<T>): Promise<T>
  /** Sends a script call inside a call of the store (call()): several scripts as one call. */
  run<T>(call: ScriptCall<T>): Promise<T>
  /** Runs any Redis call as one call of the store. */
  call<T>(operation: Operation, key: unknown, run: () => Promise<T>): Promise<T>
  /** One call of the store: `plain` where the server cannot evict, else `checked` (a read that checks indexes: reads.ts). */
  either<T>(operation: Operation, key: unknown, plain: (client: RedisClient) => Promise<T>, checked: () => Promise<T>): Promise<T>
  /** Whether reads must check indexes: the server's maxmemory policy can evict. */
  checked(operation: Operation, key: unknown): boolean | Promise<boolean>
  /** Reports a failure nobody awaits (a record a listing skipped): the store's 'error' event, else a warning. */
  report(error: CacheDecodeError | CacheOperationError): void
}

/** What a store lends: each call first checks that the store is open (`open` throws once it is closed). */
export function lend(layout: BucketLayout, client: RedisClient, executor: Executor, reads: Reads, open: (operation: Operation, key: unknown) => void): CacheInternals {
  return {
    layout,
    client,
    send: (operation, key, call) => {
      open(operation, key)
      return executor.send(operation, key, call)
    },
    run: (call) => executor.run(call),
    call: (operation, key, run) => {
      open(operation, key)
      return executor.calls.call(operation, key, run)
    },
    either: (operation, key, plain, checked) => {
      open(operation, key)
      return reads.either(operation, key, plain, checked)
    },
    checked: (operation, key) => executor.checked(operation, key),
    report: (error) => executor.calls.report(error),
  }
}
