/**
 * Durability (options.durability): Redis replicates asynchronously, so a write a master
 * acknowledged can be lost if that master dies before a replica has it. With
 * `durability: { replicas, timeout }` every write script is followed, on the same
 * connection (the node of its keys' slot), by `WAIT replicas timeout`; a write fewer
 * replicas acknowledged in time rejects with a NotReplicatedError as its cause: applied on the
 * master, not (yet) on enough replicas. Reads are not waited for.
 *
 * A decorator of the runner (script-call.ts): a connection has at most one WAIT in flight.
 * The writes answered while none is share one, sent once their turn of the event loop is
 * over (setImmediate); the writes answered while one is in flight share the next, sent when
 * it returns. WAIT is sent after their replies, so it counts every write of the connection up
 * to and including them (also a script the client had to load again with EVAL). A write waits
 * one round trip more, plus the replicas' time; WAIT blocks its connection meanwhile, so every
 * call sharing it waits too (docs/reliability.md). One in flight, not one a turn: WAITs in a
 * row would each hold the connection, and a client that gives a blocking command a deadline
 * of its own from when it is sent (Valkey GLIDE: WAIT's timeout plus 0.5 s) would time out
 * the later ones while they queue.
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

/** A runner whose writes wait for `durability.replicas` replicas: at most one WAIT in flight a connection, shared by the writes answered before it is sent. */
export class DurableRunner implements Runner {
  /** By connection (client.connectionOf): the WAIT not sent yet, which writes answered now join. */
  readonly #next = new Map<string, Promise<number>>()
  /** By connection: the WAIT sent and not answered yet. */
  readonly #inFlight = new Map<string, Promise<unknown>>()

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

  /** The next WAIT of the connection of `key`: sent once this turn is over and the one in flight (if any) has returned. */
  #replicated(key: string): Promise<number> {
    const connection = this.client.connectionOf(key)
    let wait = this.#next.get(connection)
    if (wait === undefined) {
      const turnOver = new Promise<void>((resolve) => setImmediate(resolve))
      const inFlight = this.#inFlight.get(connection)
      wait = Promise.all([turnOver, inFlight?.then(ignore, ignore)]).then(() => {
        this.#next.delete(connection)
        const sent = this.client.replicated(key, this.durability.replicas, this.durability.timeout)
        this.#inFlight.set(connection, sent)
        const done = () => {
          if (this.#inFlight.get(connection) === sent) this.#inFlight.delete(connection)
        }
        sent.then(done, done)
        return sent
      })
      this.#next.set(connection, wait)
    }
    return wait
  }
}

function ignore(): void {}
