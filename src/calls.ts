/**
 * How one call of the store meets Redis: it waits for a ready connection (never longer than
 * its timeout, so nothing is sent late), sends, and turns any failure into a
 * CacheOperationError naming the call; writes in 'async' mode are started, tracked and
 * reported instead of awaited; flush() waits for them. The store's methods say what to send;
 * this says how.
 */
import type { EventEmitter } from 'node:events'
import { CacheDecodeError, CacheOperationError } from './errors.js'
import type { Operation } from './operations.js'
import type { WriteMode } from './write-mode.js'
import type { RedisClient } from './client/client.js'
import { Deadlines } from './deadlines.js'
import { type CallTrace, channelOf, traceOf } from './tracing.js'

export interface CallSettings {
  /** The store's namespace, for traces. */
  namespace: string
  /** ms a call waits for Redis (readiness and answer together). */
  timeout: number
  /** Whether a turn's commands are coalesced into few socket writes (client/coalesce.ts). */
  coalesce: boolean
  writes: WriteMode
  /** Async writes that may be pending at once; over it a write is reported, not sent. */
  maxPendingWrites: number
}

/** How many failures nobody awaits flush() keeps to reject with (it counts the rest). */
const KEPT_FAILURES = 100

export class Calls {
  readonly #pending = new Set<Promise<void>>()
  /** Async failures that found no 'error' listener: flush() rejects with them. */
  #unreported: CacheOperationError[] = []
  /** How many async failures found no 'error' listener since the last flush(), kept or not. */
  #unreportedCount = 0
  /** The deadlines of calls with the store's own timeout, on one timer. */
  readonly #deadlines: Deadlines

  constructor(
    private readonly client: RedisClient,
    private readonly settings: CallSettings,
    /** Where failures nobody awaits are reported: the store, an EventEmitter with an 'error' event. */
    private readonly events: EventEmitter,
  ) {
    this.#deadlines = new Deadlines(settings.timeout)
  }

  /**
   * Runs one Redis call: its error, or its not answering within the timeout, becomes a
   * CacheOperationError. Nothing is sent before the client is ready: a call that times out
   * while Redis is unreachable never reaches it later (see whenReady).
   */
  call<T>(operation: Operation, key: unknown, run: () => Promise<T>, timeout = this.settings.timeout, records?: number): Promise<T> {
    return this.#traced(operation, key, run, timeout, records, 'sync')
  }

  /**
   * A call whose answer `map` turns into the caller's (a read's decoding) within the call's
   * own promise: no promise and turn of its own (the per-request path). A failure of `map`
   * rejects as it is, after the call (and its trace) succeeded, as a `.then(map)` would.
   */
  mapped<T, R>(operation: Operation, key: unknown, run: () => Promise<T>, map: (value: T) => R): Promise<R> {
    if (channelOf(operation).hasSubscribers) return this.#traced(operation, key, run, this.settings.timeout, undefined, 'sync').then(map)
    return this.#call(operation, key, run, this.settings.timeout, undefined, map)
  }

  /**
   * A call made of many Redis calls (a batch of many records): traced once, with no deadline
   * of its own and no wait for readiness; each of its parts goes through part(), which has
   * both. Its failure, unless already a CacheOperationError of this operation, becomes one.
   */
  whole<T>(operation: Operation, key: unknown, run: () => Promise<T>, records: number): Promise<T> {
    return this.#traced(operation, key, run, 'parts', records, 'sync')
  }

  /**
   * One Redis call of a whole() call, not traced on its own: it waits for readiness and has
   * the store's timeout, counted from now, when it is sent (not from when the whole began).
   */
  part<T>(operation: Operation, key: unknown, run: () => Promise<T>): Promise<T> {
    return this.#call(operation, key, run, this.settings.timeout, undefined)
  }

  /**
   * A call of the store's own that precedes the caller's (reading the server's eviction
   * policy, once per connection): not traced when it succeeds, so that a trace shows each of
   * the caller's calls once; when it fails, the caller's call fails with it, and that failure
   * is what its trace shows.
   */
  untraced<T>(operation: Operation, key: unknown, run: () => Promise<T>): Promise<T> {
    return this.#call(operation, key, run, this.settings.timeout, undefined).catch((error: CacheOperationError) => {
      this.#publishFailure(operation, key, undefined, 'sync', error)
      throw error
    })
  }

  /** A call, published on its operation's tracing channel when someone subscribes (tracing.ts). */
  #traced<T>(operation: Operation, key: unknown, run: () => Promise<T>, timeout: number | 'parts', records: number | undefined, writes: WriteMode): Promise<T> {
    const channel = channelOf(operation)
    if (!channel.hasSubscribers) return timeout === 'parts' ? this.#whole(operation, key, run, undefined) : this.#call(operation, key, run, timeout, undefined)
    const trace = traceOf(this.settings.namespace, operation, key, records, writes)
    return channel.tracePromise(() => (timeout === 'parts' ? this.#whole(operation, key, run, trace) : this.#call(operation, key, run, timeout, trace)), trace)
  }

  /** A whole() call: its parts wait and time out each on its own. */
  async #whole<T>(operation: Operation, key: unknown, run: () => Promise<T>, trace: CallTrace | undefined): Promise<T> {
    if (trace) trace.sent = true
    try {
      return await run()
    } catch (error) {
      if (error instanceof CacheOperationError && error.operation === operation) {
        if (trace) trace.sent = error.sent
        throw error
      }
      throw this.#failure(operation, key, false, error)
    }
  }

  #call<T, R = T>(operation: Operation, key: unknown, run: () => Promise<T>, timeout: number, trace: CallTrace | undefined, map?: (value: T) => R): Promise<R> {
    if (!this.client.ready()) {
      const answer = this.#callOnceReady(operation, key, run, timeout, trace)
      return map ? answer.then(map) : (answer as Promise<unknown> as Promise<R>)
    }
    // The per-request path: the client is ready, so the call is sent now; one promise, and
    // its deadline on the shared timer (deadlines.ts).
    return new Promise<R>((resolve, reject) => {
      const client = this.client
      let timer: NodeJS.Timeout | undefined
      const expire = () => {
        client.stalled()
        reject(
          this.#failure(
            operation,
            key,
            true,
            new Error(`no answer from Redis within ${timeout} ms (options.timeout); connection ${client.state()}; the command was sent and may still be applied`),
          ),
        )
      }
      const deadline = timeout === this.#deadlines.ms && timeout !== Infinity ? this.#deadlines.start(expire) : undefined
      if (!deadline && timeout !== Infinity) timer = setTimeout(expire, timeout)
      const settled = () => (deadline ? this.#deadlines.cancel(deadline) : clearTimeout(timer))
      if (this.settings.coalesce) client.coalesce()
      if (trace) trace.sent = true
      let answer: Promise<T>
      try {
        answer = run()
      } catch (error) {
        settled()
        reject(this.#failure(operation, key, true, error))
        return
      }
      answer.then(
        (value) => {
          settled()
          if (!map) return resolve(value as unknown as R)
          let mappedValue: R
          try {
            mappedValue = map(value)
          } catch (error) {
            return reject(error)
          }
          resolve(mappedValue)
        },
        (error: unknown) => {
          settled()
          reject(this.#failure(operation, key, true, error))
        },
      )
    })
  }

  /** A call made while the client is not ready: it waits for readiness within the same timeout, then is sent. */
  async #callOnceReady<T>(operation: Operation, key: unknown, run: () => Promise<T>, timeout: number, trace: CallTrace | undefined): Promise<T> {
    const client = this.client
    let timer: NodeJS.Timeout | undefined
    let sent = false
    const timedOut = new Promise<never>((_, reject) => {
      if (timeout === Infinity) return
      timer = setTimeout(() => {
        if (sent) client.stalled()
        const what = sent ? 'the command was sent and may still be applied' : 'nothing was sent'
        reject(new Error(`no answer from Redis within ${timeout} ms (options.timeout); connection ${client.state()}; ${what}`))
      }, timeout)
    })
    try {
      await Promise.race([client.whenReady(), timedOut])
      sent = true
      if (trace) trace.sent = true
      if (this.settings.coalesce) client.coalesce()
      return await Promise.race([run(), timedOut])
    } catch (error) {
      throw this.#failure(operation, key, sent, error)
    } finally {
      clearTimeout(timer)
    }
  }

  /** A call's failure as the store reports it. A putMany's own error (it names the records not written) passes as it is. */
  #failure(operation: Operation, key: unknown, sent: boolean, error: unknown): CacheOperationError {
    if (error instanceof CacheOperationError && error.operation === operation && error.entries) return error
    return new CacheOperationError(operation, key, sent ? this.client.afterSending(error) : error, undefined, undefined, sent)
  }

  /** A write: awaited in 'sync' mode; in 'async' mode started, tracked and answered at once. */
  async write(operation: Operation, key: unknown, run: () => Promise<unknown>, records?: number, whole = false): Promise<unknown> {
    const timeout = whole ? 'parts' : this.settings.timeout
    if (this.settings.writes === 'sync') return this.#traced(operation, key, run, timeout, records, 'sync')
    if (this.#pending.size >= this.settings.maxPendingWrites) {
      this.#refuse(operation, key, records)
      return undefined
    }
    const pending: Promise<void> = this.#traced(operation, key, run, timeout, records, 'async')
      .then(
        () => undefined,
        (error: CacheOperationError) => this.report(error),
      )
      .finally(() => this.#pending.delete(pending))
    this.#pending.add(pending)
    return undefined
  }

  /** An async write over maxPendingWrites: not sent; reported at once (and traced, when someone subscribes). */
  #refuse(operation: Operation, key: unknown, records: number | undefined): void {
    const max = this.settings.maxPendingWrites
    const cause = new Error(`${max} async writes are already waiting for Redis (options.maxPendingWrites); this one was not sent`)
    const error = new CacheOperationError(operation, key, cause, undefined, undefined, false)
    this.#publishFailure(operation, key, records, 'async', error)
    this.report(error)
  }

  /** A call that failed before its own command: published (start, error, end) when someone subscribes. */
  #publishFailure(operation: Operation, key: unknown, records: number | undefined, writes: WriteMode, error: CacheOperationError): void {
    const channel = channelOf(operation)
    if (!channel.hasSubscribers) return
    const trace = traceOf(this.settings.namespace, operation, key, records, writes)
    trace.sent = error.sent
    try {
      channel.traceSync(() => {
        throw error
      }, trace)
    } catch {
      // published as the trace's error
    }
  }

  /**
   * A failure nobody awaits: an 'error' event when someone listens; else a process warning,
   * and (for a write) kept for the next flush() to reject with.
   */
  report(error: CacheOperationError | CacheDecodeError): void {
    if (this.events.listenerCount('error') > 0) {
      this.events.emit('error', error)
    } else if (error instanceof CacheDecodeError || error.operation === 'watch') {
      const what = error instanceof CacheDecodeError ? 'skipped; ' : ''
      process.emitWarning(`${error.message} (${what}no 'error' listener on the RedisCache)`, 'RedisPrefixCacheWarning')
    } else {
      this.#unreportedCount++
      if (this.#unreported.length >= KEPT_FAILURES) return
      this.#unreported.push(error)
      const more = this.#unreported.length === KEPT_FAILURES ? '; further ones are counted, not shown' : ''
      process.emitWarning(`${error.message} (no 'error' listener on the RedisCache; flush() and close() will reject with it${more})`, 'RedisPrefixCacheWarning')
    }
  }

  /**
   * Waits until every async write accepted before this call has settled (not those made
   * while it waits: under a steady stream of writes it would never end). Rejects with the
   * failures no 'error' listener took.
   */
  async flush(): Promise<void> {
    if (this.#pending.size > 0) await Promise.all([...this.#pending])
    const failures = this.#unreported
    const count = this.#unreportedCount
    if (count === 0) return
    this.#unreported = []
    this.#unreportedCount = 0
    const shown = count > failures.length ? ` (the first ${failures.length} are in .errors)` : ''
    throw new AggregateError(failures, `${count} async write(s) failed with no 'error' listener${shown}: ${failures[0]?.message}`)
  }
}
