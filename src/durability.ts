/**
 * Durability (options.durability): Redis replicates asynchronously, so a write a master
 * acknowledged can be lost if that master dies before a replica has it. With
 * `durability: { replicas, timeout }` every write script is followed, on the same
 * connection (the node of its keys' slot), by `WAIT replicas timeout`; a write fewer
 * replicas acknowledged in time rejects with a NotReplicatedError as its cause: applied on the
 * master, not (yet) on enough replicas. Reads are not waited for.
 *
 * WAIT is sent after the script's reply, so it counts every write of the connection up to
 * and including this one (also when the client had to load the script again with EVAL).
 * A write waits one round trip more, plus the replicas' time.
 */
import type { Arg, RedisClient } from './client/client.js'
import { onlyReads } from './script-call.js'
import type { ScriptName } from './scripts.js'

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

/** The client, with every write script followed by WAIT on its connection. */
export function durableClient(client: RedisClient, durability: Durability): RedisClient {
  const script = async (name: ScriptName, keys: readonly string[], args: readonly Arg[], readOnly?: boolean): Promise<unknown> => {
    const reply = await client.script(name, keys, args, readOnly)
    if (readOnly || onlyReads(name, args)) return reply
    const acknowledged = await client.replicated(keys[0] as string, durability.replicas, durability.timeout)
    if (acknowledged < durability.replicas) throw new NotReplicatedError(acknowledged, durability.replicas, durability.timeout)
    return reply
  }
  return new Proxy(client, {
    get(target, property) {
      if (property === 'script') return script
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
