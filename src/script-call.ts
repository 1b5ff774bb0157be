/**
 * A script call as data (script, KEYS, ARGV, whether it only reads, how its reply is read),
 * and the runner that sends it on a client: the one way a script reaches Redis. The runner
 * is the bottom of the executor (executor.ts), which adds the store's readiness, deadlines,
 * tracing and eviction checks; durability (durability.ts) decorates it. A leaf of the core:
 * commands.ts (and an integration's commands) build the calls, the executor sends them.
 */
import type { RedisClient } from './client/client.js'
import type { Script } from './scripts.js'

/** One script call. */
export interface ScriptCall<T = unknown> {
  readonly script: Script
  readonly keys: string[]
  readonly args: (string | number)[]
  /**
   * Whether the call only reads (built so: a read script, or verify's checks without repair):
   * durability does not wait for replicas after it, and where the server is a replica (or
   * the client reads from replicas) it goes as the script's read-only variant.
   */
  readonly reads: boolean
  /** Reads the script's reply. */
  readonly reply: (reply: unknown) => T
}

/** A script call of many records, with the position of each in the records given. */
export interface RecordsCall<T = unknown> extends ScriptCall<T> {
  readonly positions: number[]
}

/** A reply as Redis gave it. */
export const asIs = (reply: unknown): unknown => reply
/** A reply that is 1 (done) or 0 (not). */
export const isOne = (reply: unknown): boolean => reply === 1
/** A reply that is a stored text or nothing (false, or null, from Lua). */
export const textOf = (reply: unknown): string | null => (typeof reply === 'string' ? reply : null)

/** Sends script calls and reads their replies. */
export interface Runner {
  run<T>(call: ScriptCall<T>): Promise<T>
}

const runners = new WeakMap<RedisClient, Runner>()

/** The runner of a client: one per client, however many stores share it (it learns what the server is once). */
export function runnerOf(client: RedisClient): Runner {
  let runner = runners.get(client)
  if (!runner) runners.set(client, (runner = new ClientRunner(client)))
  return runner
}

/**
 * Sends each call on the client. A call that only reads, of a script with a read-only
 * variant, goes as that variant where the client reads from replicas, or where its server
 * has answered READONLY since it last connected (a store on a read-only replica): the first
 * such call is sent again as the variant (Redis refused it before running it). Elsewhere it
 * is the script itself, which also repairs what it finds (a primary's reads prune and remove
 * half-written records). What the server is, is learnt from the first such call on each
 * connection; later ones are sent as it says, with nothing to catch.
 */
class ClientRunner implements Runner {
  /** What the server turned out to be (a read-only replica or not), and the client's ready count when it did. */
  #role: { readonly readyCount: number; readonly replica: boolean } | undefined

  constructor(private readonly client: RedisClient) {}

  run<T>(call: ScriptCall<T>): Promise<T> {
    const reply = this.#send(call)
    return call.reply === asIs ? (reply as Promise<T>) : reply.then(call.reply)
  }

  #send(call: ScriptCall<unknown>): Promise<unknown> {
    const { client } = this
    const { script, keys, args } = call
    const variant = call.reads ? script.variant : undefined
    if (variant === undefined) return client.script(script, keys, args)
    if (client.readsReplicas()) return client.script(variant, keys, args)
    const readyCount = client.readyCount()
    const role = this.#role
    if (role?.readyCount === readyCount) return client.script(role.replica ? variant : script, keys, args)
    return client.script(script, keys, args).then(
      (reply) => {
        this.#role = { readyCount, replica: false }
        return reply
      },
      (error: unknown) => {
        if (!(error instanceof Error) || !/^READONLY\b/.test(error.message)) throw error
        this.#role = { readyCount, replica: true }
        return client.script(variant, keys, args)
      },
    )
  }
}
