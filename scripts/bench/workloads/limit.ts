/**
 * The server's ceiling: redis-benchmark running the put script (EVALSHA, as the store sends
 * it), SET and GET from 64 connections, on the same redis-server, in a database of its own.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { encodeKey } from '../../../src/keys.js'
import { namespaceBase, recordKeys } from '../../../src/layout.js'
import { loadScript } from '../../build/lua.js'
import { superjsonSerializer } from '../../../src/values.js'
import { admin, CALLERS, DB, host, port, roundMs, TTL, VALUE } from '../harness.js'

const putLua = loadScript('put')
const putSha = (await admin.script('LOAD', putLua)) as string
const benchValue = superjsonSerializer.stringify(VALUE)
const base = namespaceBase('limit')
const rand = '__rand_int__'
const limitKeys = recordKeys(base, encodeKey(['user', rand, 'session', rand]))

/** redis-benchmark's rate for `command` from 64 connections; `args` go before the command (e.g. -P 16). */
async function redisBenchmark(command: string[], requests: number, args: string[] = []): Promise<number> {
  const { stdout } = await promisify(execFile)(
    'redis-benchmark',
    ['-h', host, '-p', String(port), '-c', String(CALLERS), '-n', String(requests), '-r', '10000', '--dbnum', String(DB.limit), '--csv', ...args, ...command],
    { maxBuffer: 1 << 24 },
  )
  // The last line: "test name","rps", then six latency figures (the name may hold quotes).
  const rps = Number(/"([0-9.]+)"(?:,"[0-9.]+"){6}\s*$/.exec(stdout)?.[1])
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark printed no rate: ${stdout}`)
  return rps
}
const evalshaPut = ['EVALSHA', putSha, String(1 + limitKeys.indexes.length), limitKeys.value, ...limitKeys.indexes, '4', String(TTL), benchValue]
const limitCommands: Record<string, { command: string[]; args?: string[] }> = {
  'put (EVALSHA)': { command: evalshaPut },
  'put (EVALSHA, -P 16)': { command: evalshaPut, args: ['-P', '16'] },
  SET: { command: ['SET', `${base}k:${rand}`, benchValue] },
  GET: { command: ['GET', `${base}k:${rand}`] },
}
const limitRequests: Record<string, number> = {}
/** One round of a redis-benchmark contender, sized from a first short run to last about roundMs. */
export async function limit(name: string) {
  const { command, args } = limitCommands[name] as { command: string[]; args?: string[] }
  limitRequests[name] ??= Math.max(2000, Math.round((await redisBenchmark(command, 5000, args)) * (roundMs / 1000)))
  return redisBenchmark(command, limitRequests[name] as number, args)
}
