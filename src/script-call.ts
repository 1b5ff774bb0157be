/**
 * A script call as data (script, KEYS, ARGV), and how it is sent: the one runner every
 * script call of the store goes through (runCall), and which calls only read (onlyReads:
 * durability does not wait for them; a replica runs their read-only variants). A leaf of the
 * core: commands.ts builds the calls, the rest send them.
 */
import type { RedisClient } from './client/client.js'
import { hasReadOnly, type ScriptName } from './scripts.js'

/** One script call: what runCall sends. */
export interface ScriptCall {
  readonly script: ScriptName
  readonly keys: string[]
  readonly args: (string | number)[]
}

/** A script call of many records, with the position of each in the records given. */
export interface RecordsCall extends ScriptCall {
  readonly positions: number[]
}

/** Per client: what its server turned out to be (a read-only replica or not), and the ready count when it did. */
const roles = new WeakMap<RedisClient, { readonly readyCount: number; readonly replica: boolean }>()

/**
 * Sends a script call. A call that only reads, of a script with a read-only variant
 * (scripts.ts hasReadOnly), goes as that variant where the client reads from replicas, or
 * where its server has answered READONLY since it last connected (a store on a read-only
 * replica): the first such call is sent again as the variant (Redis refused it before
 * running it). Elsewhere it is the script itself, which also repairs what it finds (a
 * primary's reads prune and remove half-written records). What the server is, is learnt from
 * the first such call on each connection; later ones are sent as it says, with nothing to
 * catch.
 */
export function runCall(client: RedisClient, call: ScriptCall): Promise<unknown> {
  if (!hasReadOnly(call.script) || !onlyReads(call.script, call.args)) return client.script(call.script, call.keys, call.args)
  if (client.readsReplicas()) return client.script(call.script, call.keys, call.args, true)
  const readyCount = client.readyCount()
  const role = roles.get(client)
  if (role?.readyCount === readyCount) return client.script(call.script, call.keys, call.args, role.replica)
  return client.script(call.script, call.keys, call.args).then(
    (reply) => {
      roles.set(client, { readyCount, replica: false })
      return reply
    },
    (error: unknown) => {
      if (!(error instanceof Error) || !/^READONLY\b/.test(error.message)) throw error
      roles.set(client, { readyCount, replica: true })
      return client.script(call.script, call.keys, call.args, true)
    },
  )
}

/** The scripts that only read, whatever their arguments. */
const READS = new Set<ScriptName>(['read', 'page', 'count', 'sessionRead'])

/** Whether a script call only reads (durability does not wait for it): a read script, or verify's checks without repair (their repair flag '0', as built here). */
export function onlyReads(name: ScriptName, args: readonly (string | number)[]): boolean {
  if (READS.has(name)) return true
  if (name === 'verifyValues') return String(args[0]) === '0'
  if (name === 'verifyIndex') return String(args[2]) === '0'
  return false
}
