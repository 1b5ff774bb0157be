/**
 * Durability (options.durability): Redis replicates asynchronously, so a write a master
 * acknowledged can be lost if that master dies before a replica has it. With
 * `durability: { replicas, timeout }` every write script is followed, on the same
 * connection (the node of its keys' slot), by `WAIT replicas timeout`; a write fewer
 * replicas acknowledged in time rejects with a NotReplicatedError as its cause: applied on the
 * master, not (yet) on enough replicas. Reads are not waited for.
 *
 * A decorator of the runner (script-call.ts): the writes whose replies come in one turn of
 * the event loop share one WAIT per connection, sent once the turn is over (setImmediate).
 * WAIT is sent after their replies, so it counts every write of the connection up to and
 * including them (also a script the client had to load again with EVAL). A write waits one
 * round trip more, plus the replicas' time; WAIT blocks its connection meanwhile, so every
 * call sharing it waits too (docs/reliability.md).
 */
import type { RedisClient } from './client/client.js'
import type { Runner, ScriptCall } from './script-call.js'

export interface Durability {
  /** How many replicas must acknowledge each write. */
  replicas: number
  /** Milliseconds WAIT waits for them (less than the store's timeout). */
  timeout: number
}

/** The cause of a write's failure when it is applied on the master but too few replicas acknowledged it. */
export class NotReplicatedError extends Error {
  override name = 'NotReplicatedError'
  constructor(
    /** How many replicas acknowledged the write in time. */
    readonly acknowledged: number,
    readonly wanted: number,
    timeout: number,
  ) {
    super(
      `the write is applied on the master, but ${acknowledged} of ${wanted} replica(s) acknowledged it within ${timeout} ms (options.durability): it can be lost if the master fails before they have it`,
    )
  }
}

/** The runner, decorated to wait for replicas when `durability` asks (options.durability), else as it is. */
export function durable(runner: Runner, client: RedisClient, durability: Durability | undefined): Runner {
  return durability === undefined ? runner : new DurableRunner(runner, client, durability)
}

/** A runner whose writes wait for `durability.replicas` replicas: one WAIT per connection for the writes of one turn. */
export class DurableRunner implements Runner {
  /** The WAIT each connection's writes of this turn will share, by connection (client.connectionOf). */
  readonly #waits = new Map<string, Promise<number>>()

  constructor(
    private readonly inner: Runner,
    private readonly client: RedisClient,
    readonly durability: Durability,
  ) {}

  async run<T>(call: ScriptCall<T>): Promise<T> {
    const reply = await this.inner.run(call)
    if (call.reads) return reply
    const { replicas, timeout } = this.durability
    const acknowledged = await this.#replicated(call.keys[0] as string)
    if (acknowledged < replicas) throw new NotReplicatedError(acknowledged, replicas, timeout)
    return reply
  }

  /** The WAIT of the connection of `key` for this turn: joined by every write answered before it is sent. */
  #replicated(key: string): Promise<number> {
    const connection = this.client.connectionOf(key)
    let wait = this.#waits.get(connection)
    if (wait === undefined) {
      wait = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#waits.delete(connection)
        return this.client.replicated(key, this.durability.replicas, this.durability.timeout)
      })
      this.#waits.set(connection, wait)
    }
    return wait
  }
}
