/**
 * The executor: the one way a store (and an integration, through internals.ts) sends a
 * script call. A call goes as one call of the store (calls.ts: readiness, deadline, tracing,
 * CacheOperationError, async writes), through the store's runner (script-call.ts: the
 * read-only variant where the server is a replica; durability.ts decorates it with WAIT).
 * A call that depends on whether reads check indexes is built once the server's eviction
 * policy is known (eviction.ts), inside the same call: its timeout, its trace, its error.
 */
import { runBatch } from './batches.js'
import type { Calls } from './calls.js'
import type { Operation } from './operations.js'
import type { EvictionState } from './eviction.js'
import type { RecordsCall, Runner, ScriptCall } from './script-call.js'

/** A script call, or how to build it once it is known whether reads check indexes (a server that can evict). */
export type Build<T> = ScriptCall<T> | ((checked: boolean) => ScriptCall<T>)

export class Executor {
  constructor(
    /** Sends script calls (durability's decorator where the store waits for replicas). */
    readonly runner: Runner,
    readonly calls: Calls,
    readonly eviction: EvictionState,
  ) {}

  /** One script call as one call of the store. */
  send<T>(operation: Operation, key: unknown, call: Build<T>): Promise<T> {
    return this.calls.call(operation, key, () => this.#start(call))
  }

  /** A write: awaited in 'sync' mode; in 'async' mode started, tracked, and answered at once (undefined). */
  write<T>(operation: Operation, key: unknown, call: Build<T>): Promise<T | undefined> {
    return this.calls.write(operation, key, () => this.#start(call)) as Promise<T | undefined>
  }

  /**
   * Many calls of records (putMany, deleteMany: batches.ts) as one call of the store: a few
   * at a time, each with its own deadline, stopping at the first failure, whose error names
   * the records not written (read, deleted). `onReply` reads each call's reply. A `write`
   * follows the store's write mode.
   */
  batch<T>(operation: Operation, calls: readonly RecordsCall<T>[], total: number, onReply?: (call: RecordsCall<T>, reply: T) => void, write = false): Promise<unknown> {
    const send = (call: RecordsCall<T>) => this.calls.part(operation, undefined, () => this.runner.run(call))
    const whole = () => runBatch(operation, calls, total, send, onReply)
    return write ? this.calls.write(operation, undefined, whole, total, true) : this.calls.whole(operation, undefined, whole, total)
  }

  /** A script call inside a call of the store already made (verify's pages; a session saved in two scripts). */
  run<T>(call: ScriptCall<T>): Promise<T> {
    return this.runner.run(call)
  }

  /** Whether reads must check every index of a record (the server can evict): read from the server once, untraced. */
  checked(operation: Operation, key: unknown): boolean | Promise<boolean> {
    return this.eviction.checked ?? this.calls.untraced(operation, key, () => this.eviction.read())
  }

  #start<T>(call: Build<T>): Promise<T> {
    if (typeof call !== 'function') return this.runner.run(call)
    const known = this.eviction.checked
    if (known !== undefined) return this.runner.run(call(known))
    return this.eviction.read().then((checked) => this.runner.run(call(checked)))
  }
}
