/**
 * How a read reaches Redis: a plain command (GET, MGET, EXISTS, PTTL) where the server cannot
 * evict, else a script that counts a record as live only while every index of its prefixes
 * lists it (lua/read.lua; see eviction.ts). The one place that choice is made.
 */
import { bucketCalls, runBatch } from './batches.js'
import type { BucketLayout } from './buckets.js'
import type { RedisClient } from './client/client.js'
import * as commands from './commands.js'
import type { Executor } from './executor.js'
import { valueKey } from './layout.js'
import type { Operation } from './operations.js'
import type { RecordsCall } from './script-call.js'

type Encoded = readonly string[]
export type ReadWhat = 'get' | 'exists' | 'pttl'

/** A read's answer as it came. */
const same = (answer: unknown) => answer

export class Reads {
  constructor(
    private readonly client: RedisClient,
    private readonly layout: BucketLayout,
    private readonly executor: Executor,
  ) {}

  /**
   * One call of the store: the plain command where the server cannot evict, else the
   * checked one (a script). No extra turn once the policy is known: the per-request path.
   */
  either<T>(operation: Operation, key: unknown, plain: (client: RedisClient) => Promise<T>, checked: () => Promise<T>): Promise<T> {
    const known = this.executor.eviction.checked
    if (known === undefined) return Promise.resolve(this.executor.checked(operation, key)).then(() => this.either(operation, key, plain, checked))
    return this.executor.calls.call(operation, key, () => (known ? checked() : plain(this.client)))
  }

  /**
   * One record's value (GET: its text or null), existence (EXISTS, 1 or 0) or ttl (PTTL),
   * as `map` turns it (store.get decodes the text).
   */
  one<R = unknown>(operation: Operation, key: unknown, what: ReadWhat, parts: Encoded, map: (answer: unknown) => R = same as (answer: unknown) => R): Promise<R> {
    // The per-request path: a server that cannot evict, known so, takes the plain command, its answer mapped within the call's own promise.
    if (this.executor.eviction.checked === false) return this.executor.calls.mapped(operation, key, () => this.#plain(what, parts), map)
    return this.either<unknown>(
      operation,
      key,
      () => this.#plain(what, parts),
      async () => (await this.executor.run(commands.read(this.layout, [parts], what)[0] as RecordsCall<unknown[]>))[0] ?? null,
    ).then(map)
  }

  /** GET, EXISTS or PTTL of a record's value key. */
  #plain(what: ReadWhat, parts: Encoded): Promise<unknown> {
    const at = this.#valueKey(parts)
    return what === 'get' ? this.client.get(at) : what === 'exists' ? this.client.exists(at) : this.client.pttl(at)
  }

  /**
   * Many records' values, in order: one MGET per bucket (a cluster answers MGET only within
   * one slot), or one read script call per bucket, each of at most LIMITS.batchRecords
   * records, a few at a time (batches.ts runBatch), each with its own deadline.
   */
  async values(operation: Operation, key: unknown, all: readonly Encoded[]): Promise<Array<string | null>> {
    const texts = new Array<string | null>(all.length)
    const checked = await this.executor.checked(operation, key)
    const calls: ReadonlyArray<Pick<RecordsCall, 'positions'>> = checked ? commands.read(this.layout, all, 'get') : bucketCalls(this.layout, all, [], () => [])
    const { calls: storeCalls } = this.executor
    const send = (call: Pick<RecordsCall, 'positions'>) =>
      storeCalls.part(operation, key, () =>
        checked
          ? (this.executor.run(call as RecordsCall<unknown[]>) as Promise<Array<string | null>>)
          : this.client.mget(call.positions.map((i) => this.#valueKey(all[i] as Encoded))),
      )
    const found = (call: Pick<RecordsCall, 'positions'>, answers: Array<string | null>) => call.positions.forEach((i, j) => (texts[i] = answers[j] ?? null))
    await storeCalls.whole(operation, key, () => runBatch(operation, calls, all.length, send, found), all.length)
    return texts
  }

  #valueKey(parts: Encoded): string {
    return valueKey(this.layout.baseOf(parts), parts)
  }
}
