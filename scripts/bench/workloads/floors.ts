/**
 * Each write script against its floor (scripts/bench/floors/): the Redis CPU per call of
 * the store's script and of the least script its design allows, with the same KEYS and
 * ARGV (commands.ts builds both), for keys of 1, 2 and 4 parts, first writes (a new key
 * each call) and rewrites (keys written before). Redis CPU per call is INFO commandstats'
 * usec_per_call of EVALSHA, which includes the commands a script calls; each round runs
 * one contender alone, 64 callers, after CONFIG RESETSTAT; contenders alternate round by
 * round, each in a namespace of its own.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { BucketLayout } from '../../../src/buckets.js'
import * as commands from '../../../src/commands.js'
import { encodeKey } from '../../../src/keys.js'
import { superjsonSerializer } from '../../../src/values.js'
import { admin, alternate, CALLERS, clientFor, DB, log, quick, record, roundMs, sid, throughput, TTL, VALUE } from '../harness.js'

const TEXT = superjsonSerializer.stringify(VALUE)
const USERS = 10_000
/** Keys written before the rounds, for the rewrites. */
const POOL = quick ? 500 : 10_000

/** The Redis CPU (µs) per call of a write script, by key size and kind: what the report reads. */
export const writeScriptMicros = (script: 'put' | 'touch' | 'add' | 'delete', parts: number, kind: 'first write' | 'rewrite' | 'the newest record' | 'an older record') =>
  `${script} script, ${parts}-part keys, ${kind}: Redis µs per call`

const FLOORS = {
  put: readFileSync(new URL('../floors/put.lua', import.meta.url), 'utf8'),
  touch: readFileSync(new URL('../floors/touch.lua', import.meta.url), 'utf8'),
  add: readFileSync(new URL('../floors/add.lua', import.meta.url), 'utf8'),
  delete: readFileSync(new URL('../floors/delete.lua', import.meta.url), 'utf8'),
}
const sha = (lua: string) => createHash('sha1').update(lua).digest('hex')

/** A key of `parts` parts: a new one, or one of the pool written before. */
function keyOf(parts: number, id: string): Array<string | number> {
  if (parts === 1) return [`k${id}`]
  if (parts === 2) return ['user', id]
  return ['user', Number.parseInt(id, 36) % USERS, 'session', id]
}

type Who = 'ours' | 'floor'
type Script = keyof typeof FLOORS

export async function floorsWorkload(): Promise<void> {
  log('write scripts against their floors (Redis CPU per call)')
  const client = clientFor(DB.ours)
  const shas = {} as Record<Script, Record<Who, string>>
  for (const script of Object.keys(FLOORS) as Script[]) {
    const ours = commands.SCRIPTS[script].source
    shas[script] = { ours: (await client.script('LOAD', ours)) as string, floor: (await client.script('LOAD', FLOORS[script])) as string }
    if (shas[script].ours !== sha(ours)) throw new Error(`${script} script: unexpected SHA`)
  }
  const layouts = { ours: new BucketLayout('floor-ours', 1, 1), floor: new BucketLayout('floor-floor', 1, 1) }
  for (const parts of [1, 2, 4]) {
    const pool = Array.from({ length: POOL }, () => sid())
    const put = (who: Who, id: string) => {
      const call = commands.put(layouts[who], encodeKey(keyOf(parts, id)), TTL, TEXT)
      return client.evalsha(shas.put[who], call.keys.length, ...call.keys, ...call.args)
    }
    const touch = (who: Who, id: string) => {
      const call = commands.touch(layouts[who], encodeKey(keyOf(parts, id)), TTL, false)
      return client.evalsha(shas.touch[who], call.keys.length, ...call.keys, ...call.args)
    }
    for (const who of ['ours', 'floor'] as const) for (const id of pool) await put(who, id)
    const add = (who: Who, id: string) => {
      const call = commands.add(layouts[who], encodeKey(keyOf(parts, id)), TTL, TEXT, false)
      return client.evalsha(shas.add[who], call.keys.length, ...call.keys, ...call.args)
    }
    // A delete of a record just written, every index's top (the index's expiry comes down to its next member): the put goes as EVAL (counted apart), the delete as EVALSHA.
    const putThenDelete = async (who: Who, id: string) => {
      const keyParts = encodeKey(keyOf(parts, id))
      const written = commands.put(layouts[who], keyParts, TTL, TEXT)
      await client.eval(commands.SCRIPTS.put.source, written.keys.length, ...written.keys, ...written.args)
      const call = commands.remove(layouts[who], keyParts, false)
      return client.evalsha(shas.delete[who], call.keys.length, ...call.keys, ...call.args)
    }
    // A delete of a record written earlier (not every index's top, as a just-written one is):
    // each call writes a record (EVAL, counted apart) and deletes the one written OLDER calls before.
    const OLDER = 4 * CALLERS
    const written = { ours: [] as string[], floor: [] as string[] }
    const putThenDeleteOlder = async (who: Who, id: string) => {
      const keyParts = encodeKey(keyOf(parts, id))
      const call = commands.put(layouts[who], keyParts, TTL, TEXT)
      await client.eval(commands.SCRIPTS.put.source, call.keys.length, ...call.keys, ...call.args)
      written[who].push(id)
      if (written[who].length <= OLDER) return
      const removed = commands.remove(layouts[who], encodeKey(keyOf(parts, written[who].shift() as string)), false)
      return client.evalsha(shas.delete[who], removed.keys.length, ...removed.keys, ...removed.args)
    }
    const fromPool = () => pool[Math.floor(Math.random() * POOL)] as string
    const cases: Array<[name: string, op: (who: Who) => () => Promise<unknown>]> = [
      [writeScriptMicros('put', parts, 'first write'), (who) => () => put(who, sid())],
      [writeScriptMicros('put', parts, 'rewrite'), (who) => () => put(who, fromPool())],
      [writeScriptMicros('touch', parts, 'rewrite'), (who) => () => touch(who, fromPool())],
      [writeScriptMicros('add', parts, 'first write'), (who) => () => add(who, sid())],
      [writeScriptMicros('delete', parts, 'the newest record'), (who) => () => putThenDelete(who, sid())],
      [writeScriptMicros('delete', parts, 'an older record'), (who) => () => putThenDeleteOlder(who, sid())],
    ]
    for (const [name, op] of cases) {
      const round = (who: Who) => async () => {
        await admin.config('RESETSTAT')
        await throughput(roundMs, CALLERS, op(who))
        const stats = await admin.info('commandstats')
        record(name, who, Number(/cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats)?.[1]))
      }
      await alternate([
        ['ours', round('ours')],
        ['floor', round('floor')],
      ])
    }
  }
  client.disconnect()
}
