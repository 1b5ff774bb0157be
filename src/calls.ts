/**
 * How one call of the store meets Redis: it waits for a ready connection (never longer than
 * its timeout, so nothing is sent late), sends, and turns any failure into a
 * CacheOperationError naming the call; writes in 'async' mode are started, tracked and
 * reported instead of awaited; flush() waits for them. The store's methods say what to send;
 * this says how.
 */
import type { EventEmitter } from 'node:events'
import { CacheDecodeError, CacheOperationError, type Operation } from './errors.js'
import type { WriteMode } from './options.js'
import type { RedisClient } from './client/index.js'

export interface CallSettings {
  /** ms a call waits for Redis (readiness and answer together). */
  timeout: number
  /** Whether a turn's commands are coalesced into few socket writes (client/coalesce.ts). */
  coalesce: boolean
  writes: WriteMode
}

export class Calls {
  readonly #pending = new Set<Promise<void>>()
  /** Async failures that found no 'error' listener: flush() rejects with them. */
  #unreported: CacheOperationError[] = []

  constructor(
    private readonly client: RedisClient,
    private readonly settings: CallSettings,
    /** Where failures nobody awaits are reported: the store, an EventEmitter with an 'error' event. */
    private readonly events: EventEmitter,
  ) {}

  /**
   * Runs one Redis call: its error, or its not answering within the timeout, becomes a
   * CacheOperationError. Nothing is sent before the client is ready: a call that times out
   * while Redis is unreachable never reaches it later (see whenReady).
   */
  async call<T>(operation: Operation, key: unknown, run: () => Promise<T>, timeout = this.settings.timeout): Promise<T> {
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
      if (!client.ready()) await Promise.race([client.whenReady(), timedOut])
      sent = true
      if (this.settings.coalesce) client.coalesce()
      return await Promise.race([run(), timedOut])
    } catch (error) {
      // A putMany's own error (it names the records not written) passes as it is.
      if (error instanceof CacheOperationError && error.operation === operation && error.entries) throw error
      throw new CacheOperationError(operation, key, sent ? client.afterSending(error) : error)
    } finally {
      clearTimeout(timer)
    }
  }

  /** A write: awaited in 'sync' mode; in 'async' mode started, tracked and answered at once. */
  async write(operation: Operation, key: unknown, run: () => Promise<unknown>): Promise<unknown> {
    if (this.settings.writes === 'sync') return this.call(operation, key, run)
    const pending: Promise<void> = this.call(operation, key, run)
      .then(
        () => undefined,
        (error: CacheOperationError) => this.report(error),
      )
      .finally(() => this.#pending.delete(pending))
    this.#pending.add(pending)
    return undefined
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
      this.#unreported.push(error)
      process.emitWarning(`${error.message} (no 'error' listener on the RedisCache; flush() and close() will reject with it)`, 'RedisPrefixCacheWarning')
    }
  }

  /** Waits until every pending async write has settled. Rejects with the failures no 'error' listener took. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending)
    const failures = this.#unreported
    if (failures.length === 0) return
    this.#unreported = []
    throw new AggregateError(failures, `${failures.length} async write(s) failed with no 'error' listener: ${failures[0]?.message}`)
  }
}
