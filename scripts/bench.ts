/**
 * npm run bench [-- --quick] [-- --records N] [-- --rounds N] [-- --out DIR] [-- --no-cluster]
 *
 * Measures the store against the seed's pipelined algorithm, SCAN-based listing and the
 * server's own ceiling (redis-benchmark), in one run on one redis-server, contenders
 * alternating round by round. Prints a table and writes bench/results.json and
 * bench/results.md. The method and the latest figures: bench/README.md.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { ANY, RedisCache, type Key } from '../src/index.js'
import { recordKeys, namespaceBase } from '../src/layout.js'
import { encodeKey } from '../src/keys.js'
import { loadScript } from '../src/scripts.js'
import { superjsonSerializer } from '../src/values.js'
import KeyvRedis from '@keyv/redis'
import Keyv from 'keyv'
import { KeyvPrefixCache } from '../src/keyv/index.js'
import { SeedCache } from './baselines/seed-pipeline.js'
import { ScanCache } from './baselines/scan-listing.js'
import { benchSessions } from './bench-sessions.js'
import { profile, type Profile } from './bench-profile.js'
import { startCluster } from './embedded-cluster.js'
import { startRedis, type EmbeddedRedis } from './embedded-redis.js'

// --- settings -------------------------------------------------------------------------

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}
const quick = process.argv.includes('--quick')
const records = Number(option('records') ?? (quick ? 20_000 : 1_000_000))
const rounds = Number(option('rounds') ?? 5)
const outDir = option('out') ?? 'bench'
const roundMs = quick ? 150 : 800
const latencySamples = quick ? 20 : 60
const CALLERS = 64
const TTL = 30 * 60_000
const VALUE = { device: 'x'.repeat(150), ip: '203.0.113.7', at: 1764000000000 } // about 200 bytes as superjson
if (!Number.isSafeInteger(records) || records < 100) throw new RangeError('--records must be an integer of at least 100')
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new RangeError('--rounds must be a positive integer')

const started = Date.now()
const log = (text: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`)

// --- measuring ------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number
}
interface Figure {
  median: number
  min: number
  max: number
  rounds: number[]
}
const figure = (xs: number[]): Figure => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs })

/** Runs `op` from `callers` concurrent loops for `ms`; answers operations per second. */
async function throughput(ms: number, callers: number, op: (caller: number, i: number) => Promise<unknown>): Promise<number> {
  let done = 0
  const until = performance.now() + ms
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; performance.now() < until; i++) {
        await op(caller, i)
        done++
      }
    }),
  )
  return done / ((performance.now() - t0) / 1000)
}

const random = (n: number) => Math.floor(Math.random() * n)
const sid = () => Math.random().toString(36).slice(2, 14)

// --- set-up -----------------------------------------------------------------------------

let embedded: EmbeddedRedis | undefined
const url = process.env.REDIS_URL || (embedded = await startRedis(['--maxmemory', '0'])).url
const parsed = new URL(url)
const port = Number(parsed.port || 6379)
const host = parsed.hostname
const DB = !embedded
  ? { ours: 11, seed: 12, scan: 13, limit: 14, keyvOurs: 9, keyvRedis: 10, sessOurs: 7, sessRedis: 8 }
  : { ours: 0, seed: 1, scan: 2, limit: 3, keyvOurs: 4, keyvRedis: 5, sessOurs: 6, sessRedis: 7 }
const admin = new Redis(url)
for (const db of Object.values(DB)) {
  const size = Number(await admin.select(db).then(() => admin.dbsize()))
  if (!embedded && size > 0) throw new Error(`REDIS_URL database ${db} is not empty: the benchmark uses databases ${Object.values(DB).join(', ')} and empties them`)
}
await admin.select(0)
const clientFor = (db: number) => new Redis(url, { db })
const ours = new RedisCache({ redis: clientFor(DB.ours), namespace: 'bench', ttl: TTL })
/** The same store as a server whose maxmemory policy evicts sees it: reads check every index (eviction: 'checked'). */
const oursChecked = new RedisCache({ redis: clientFor(DB.ours), namespace: 'bench', ttl: TTL, eviction: 'checked' })
const seed = new SeedCache({ redis: clientFor(DB.seed), namespace: 'bench', ttl: TTL })
const scan = new ScanCache(clientFor(DB.scan), 'bench', TTL)
const serverInfo = await admin.info('server')
const redisVersion = /redis_version:(\S+)/.exec(serverInfo)?.[1] ?? 'unknown'
async function flushAll() {
  for (const db of Object.values(DB)) {
    await admin.select(db)
    await admin.flushdb()
  }
  await admin.select(0)
}

type Contender = 'ours' | 'seed' | 'scan' | 'limit' | 'keyv-redis' | 'connect-redis'
const results: Record<string, Partial<Record<Contender, Figure>>> = {}
function record(workload: string, contender: Contender, value: number) {
  const slot = ((results[workload] ??= {})[contender] ??= { median: 0, min: 0, max: 0, rounds: [] })
  slot.rounds.push(value)
  Object.assign(slot, figure(slot.rounds))
}

/** Runs each contender once a round, their order rotating from round to round. */
async function alternate(contenders: Array<[Contender, () => Promise<void>]>) {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const [, run] = contenders[(round + i) % contenders.length] as [Contender, () => Promise<void>]
      await run()
    }
  }
}

/** One extra run of a contender's workload, profiled (bench-profile.ts): where its time goes. */
const profiles: Array<{ workload: string; contender: Contender; profile: Profile }> = []
async function profiled(workload: string, contender: Contender, op: () => Promise<unknown>) {
  profiles.push({ workload, contender, profile: await profile(admin, () => throughput(roundMs * 2, CALLERS, op)) })
}

// --- the server's ceiling: redis-benchmark -------------------------------------------

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
async function limit(name: string) {
  const { command, args } = limitCommands[name] as { command: string[]; args?: string[] }
  limitRequests[name] ??= Math.max(2000, Math.round((await redisBenchmark(command, 5000, args)) * (roundMs / 1000)))
  return redisBenchmark(command, limitRequests[name] as number, args)
}

// --- workloads ----------------------------------------------------------------------------

log(`redis ${redisVersion} at ${url}; ${rounds} rounds of ${roundMs} ms; all() sizes up to ${records} records`)

const USERS = 10_000
const putKey = (): Key => ['user', random(USERS), 'session', sid()]
const putOurs = () => ours.put(putKey(), VALUE)
const putSeed = () => seed.put(putKey() as never, VALUE)

log('put with 1 and 64 callers')
await alternate([
  ['ours', async () => record('put, 1 caller (ops/s)', 'ours', await throughput(roundMs, 1, putOurs))],
  ['seed', async () => record('put, 1 caller (ops/s)', 'seed', await throughput(roundMs, 1, putSeed))],
])
await alternate([
  ['ours', async () => record('put, 64 callers (ops/s)', 'ours', await throughput(roundMs, CALLERS, putOurs))],
  ['seed', async () => record('put, 64 callers (ops/s)', 'seed', await throughput(roundMs, CALLERS, putSeed))],
  ['limit', async () => record('put, 64 callers (ops/s)', 'limit', await limit('put (EVALSHA)'))],
])
await alternate([['limit', async () => record('put, 64 connections x 16 pipelined (ops/s)', 'limit', await limit('put (EVALSHA, -P 16)'))]])
await profiled('put', 'ours', putOurs)
await profiled('put', 'seed', putSeed)

log('get with 64 callers')
const getKeys: Key[] = Array.from({ length: 10_000 }, (_, i) => ['user', i, 'session', 's'])
for (let i = 0; i < getKeys.length; i += 1000) {
  const batch = getKeys.slice(i, i + 1000).map((key): [Key, unknown] => [key, VALUE])
  await ours.putMany(batch)
  await seed.putMany(batch as never)
}
await alternate([
  ['ours', async () => record('get, 64 callers (ops/s)', 'ours', await throughput(roundMs, CALLERS, () => ours.get(getKeys[random(getKeys.length)] as Key)))],
  [
    'ours',
    async () =>
      record('get, 64 callers, evicting server: checked reads (ops/s)', 'ours', await throughput(roundMs, CALLERS, () => oursChecked.get(getKeys[random(getKeys.length)] as Key))),
  ],
  ['seed', async () => record('get, 64 callers (ops/s)', 'seed', await throughput(roundMs, CALLERS, () => seed.get(getKeys[random(getKeys.length)] as never)))],
  ['limit', async () => record('get, 64 callers (ops/s)', 'limit', await limit('GET'))],
])
await alternate([['limit', async () => record('SET, 64 callers (ops/s)', 'limit', await limit('SET'))]])
await profiled('get', 'ours', () => ours.get(getKeys[random(getKeys.length)] as Key))

log('sign-in flow with 64 callers')
/** Pow's hot path: write the 3 credentials records, list the user's sessions, read them, revoke one. */
async function signIn(store: RedisCache) {
  const user = random(USERS)
  const session = sid()
  await store.putMany([
    [session, { user: ['user', user], ...VALUE }],
    [['user', user], VALUE],
    [['user', user, 'session', session], VALUE],
  ])
  const sessions = await store.all(['user', user, 'session', ANY])
  await store.getMany(sessions.map(([key]) => (key as Key[])[3] as Key))
  await store.delete((sessions[0] as [Key, unknown])[0])
}
const signInOurs = () => signIn(ours)
const signInChecked = () => signIn(oursChecked)
async function signInSeed() {
  const user = random(USERS)
  const session = sid()
  await seed.putMany([
    [session, { user: ['user', user], ...VALUE }],
    [['user', user], VALUE],
    [['user', user, 'session', session], VALUE],
  ] as never)
  const sessions = await seed.all(['user', user, 'session', ANY])
  await seed.getMany(sessions.map(([key]) => (key as Key[])[3] as never))
  await seed.delete((sessions[0] as [Key, unknown])[0] as never)
}
await flushAll()
await alternate([
  ['ours', async () => record('sign-in flow, 64 callers (flows/s)', 'ours', await throughput(roundMs, CALLERS, signInOurs))],
  ['ours', async () => record('sign-in flow, 64 callers, evicting server: checked reads (flows/s)', 'ours', await throughput(roundMs, CALLERS, signInChecked))],
  ['seed', async () => record('sign-in flow, 64 callers (flows/s)', 'seed', await throughput(roundMs, CALLERS, signInSeed))],
])
await profiled('sign-in flow', 'ours', signInOurs)
await profiled('sign-in flow', 'seed', signInSeed)

// --- sessions: RedisSessionStore against connect-redis 10 (node-redis), same Express app --------
// Before the large namespaces are loaded: the per-request path is Node-bound and the noisiest
// workload here (a run at the end of the benchmark measured 0.83-0.86x where runs on their own
// measured 0.96-1.0x; with 3 million objects held on the heap a run on its own measured 0.81x).

const sessionSizes = quick ? [1_000, 2_000] : [10_000, 100_000]
await benchSessions({ url, dbs: { ours: DB.sessOurs, connectRedis: DB.sessRedis }, roundMs, sizes: sessionSizes, callers: CALLERS, log, record, alternate, throughput })
const [smallSessions, bigSessions] = sessionSizes as [number, number]

// --- all() latency and memory as the namespace grows ------------------------------------------

await flushAll()
const TARGETS = 50 // users holding exactly 10 sessions each: the prefixes all() is timed on
const targetRecords: Array<[Key, unknown]> = []
for (let u = 0; u < TARGETS; u++) for (let s = 0; s < 10; s++) targetRecords.push([['target', u, 'session', `s${s}`], VALUE])
const levels = [Math.round(records / 100), Math.round(records / 10), records].filter((n) => n >= targetRecords.length)
const memory: Record<string, Partial<Record<'ours' | 'seed' | 'scan', number>>> = {}

/** used_memory once it has settled (the keyspace's hash tables rehash in the background after growing). */
async function usedMemory(): Promise<number> {
  const read = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  let last = await read()
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const now = await read()
    if (Math.abs(now - last) <= last * 0.0005) return now
    last = now
  }
  return last
}

/** Records number `from` to `to` of the filler: sign-ins of other users, 3 records each. */
function filler(from: number, to: number): Array<[Key, unknown]> {
  const out: Array<[Key, unknown]> = []
  for (let i = from; i < to; i++) {
    const signIn = Math.floor(i / 3)
    const user = Math.floor(signIn / 2) // two sessions a user
    const session = `f${signIn}`
    out.push(i % 3 === 0 ? [session, { user: ['user', user], ...VALUE }] : i % 3 === 1 ? [['user', user], VALUE] : [['user', user, 'session', session], VALUE])
  }
  return out
}

let loaded = 0
for (const level of levels) {
  const from = loaded === 0 ? 0 : loaded
  const batches: Array<Array<[Key, unknown]>> = []
  const fillerCount = level - targetRecords.length
  const fillerFrom = loaded === 0 ? 0 : loaded - targetRecords.length
  if (loaded === 0) batches.push(targetRecords)
  for (let i = fillerFrom; i < fillerCount; i += 1000) batches.push(filler(i, Math.min(fillerCount, i + 1000)))
  const added = level - from
  log(`loading ${added} records into each contender (namespace now ${level} records)`)
  const loaders: Array<['ours' | 'seed' | 'scan', (batch: Array<[Key, unknown]>) => Promise<void>]> = [
    ['ours', (batch) => ours.putMany(batch)],
    ['seed', (batch) => seed.putMany(batch as never)],
    ['scan', (batch) => scan.putMany(batch as never)],
  ]
  for (const [name, load] of loaders) {
    const before = await usedMemory()
    const t0 = performance.now()
    // A few loaders at once, as an application would write.
    let next = 0
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) await load(batches[next++] as Array<[Key, unknown]>)
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    ;(memory[`${level}`] ??= {})[name] = ((memory[`${level}`]?.[name] ?? 0) * from + ((await usedMemory()) - before)) / level
    log(`  ${name}: ${(added / seconds).toFixed(0)} records/s`)
  }
  loaded = level

  const samples: Record<'ours' | 'seed' | 'scan', number[]> = { ours: [], seed: [], scan: [] }
  const scanSamples = level >= 500_000 ? 2 : level >= 50_000 ? 4 : 10
  const time = async (contender: 'ours' | 'seed' | 'scan', count: number, call: (user: number) => Promise<unknown[]>) => {
    const perRound: number[] = []
    for (let i = 0; i < count; i++) {
      const user = random(TARGETS)
      const t0 = performance.now()
      const found = await call(user)
      const ms = performance.now() - t0
      if (found.length !== 10) throw new Error(`${contender} all() found ${found.length} sessions, not 10`)
      perRound.push(ms)
      samples[contender].push(ms)
    }
    record(`all() p50 at ${level} records (ms)`, contender, median(perRound))
  }
  await alternate([
    ['ours', () => time('ours', latencySamples, (u) => ours.all(['target', u, 'session', ANY]))],
    ['seed', () => time('seed', latencySamples, (u) => seed.all(['target', u, 'session', ANY]))],
    ['scan', () => time('scan', scanSamples, (u) => scan.all(['target', u, 'session', ANY]))],
  ])
  for (const contender of ['ours', 'seed', 'scan'] as const) {
    const p99 = percentile(samples[contender], 99)
    ;(results[`all() p99 at ${level} records (ms)`] ??= {})[contender] = figure([p99])
  }
}

// --- the sign-in flow on a Redis Cluster ------------------------------------------------------

const clusterShares: Record<string, number[]> = {}
if (!process.argv.includes('--no-cluster')) {
  log('sign-in flow on a 3-master cluster, 1 and 64 buckets')
  const cluster = await startCluster(3, 0)
  const masters = await cluster.masters()
  const calls = async () =>
    Promise.all(
      masters.map(async (port) => {
        const node = new Redis(port, '127.0.0.1')
        const stats = await node.info('commandstats')
        await node.quit()
        return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
      }),
    )
  const stores = Object.fromEntries([1, 64].map((buckets) => [buckets, new RedisCache({ redis: cluster.client(), namespace: 'bench', buckets, bucketBy: 2, ttl: TTL })]))
  const served: Record<number, number[]> = { 1: masters.map(() => 0), 64: masters.map(() => 0) }
  const measure = (buckets: number) => async () => {
    const before = await calls()
    record(
      `sign-in flow on a 3-master cluster, ${buckets} bucket${buckets > 1 ? 's' : ''} (flows/s)`,
      'ours',
      await throughput(roundMs, CALLERS, () => signIn(stores[buckets] as RedisCache)),
    )
    const after = await calls()
    const tally = served[buckets] as number[]
    after.forEach((n, i) => (tally[i] = (tally[i] ?? 0) + n - (before[i] as number)))
  }
  await alternate([
    ['ours', measure(1)],
    ['ours', measure(64)],
  ])
  for (const buckets of [1, 64]) {
    const total = (served[buckets] as number[]).reduce((a, b) => a + b, 0)
    clusterShares[`${buckets}`] = (served[buckets] as number[]).map((n) => Number((n / total).toFixed(3)))
  }
  for (const store of Object.values(stores)) {
    await store.close()
    store.redis.disconnect()
  }
  await cluster.stop()
}

// --- Keyv: this adapter against @keyv/redis, both under Keyv 5 (what cache-manager 7 uses) ---------

log('Keyv get and set with 64 callers, and clear() of a namespace beside many other keys')
const keyvOursClient = clientFor(DB.keyvOurs)
const keyvOurs = new Keyv({ store: new KeyvPrefixCache({ redis: keyvOursClient }), namespace: 'bench' })
// @keyv/redis as its README sets it up: the adapter prefixes keys with its namespace itself.
const keyvRedisStore = new KeyvRedis(`${url.replace(/\/\d*$/, '')}/${DB.keyvRedis}`, { namespace: 'bench' })
const keyvRedis = new Keyv({ store: keyvRedisStore, namespace: 'bench', useKeyPrefix: false })
const KEYV_KEYS = 10_000
const keyvKey = () => `user:${random(KEYV_KEYS)}`
const keyvValue = { ...VALUE }
for (let i = 0; i < KEYV_KEYS; i += 500) {
  const batch = Array.from({ length: 500 }, (_, j) => ({ key: `user:${i + j}`, value: keyvValue, ttl: TTL }))
  await keyvOurs.setMany(batch)
  await keyvRedis.setMany(batch)
}
await alternate([
  ['ours', async () => record('Keyv get, 64 callers (ops/s)', 'ours', await throughput(roundMs, CALLERS, () => keyvOurs.get(keyvKey())))],
  ['keyv-redis', async () => record('Keyv get, 64 callers (ops/s)', 'keyv-redis', await throughput(roundMs, CALLERS, () => keyvRedis.get(keyvKey())))],
])
await alternate([
  ['ours', async () => record('Keyv set, 64 callers (ops/s)', 'ours', await throughput(roundMs, CALLERS, () => keyvOurs.set(keyvKey(), keyvValue, TTL)))],
  ['keyv-redis', async () => record('Keyv set, 64 callers (ops/s)', 'keyv-redis', await throughput(roundMs, CALLERS, () => keyvRedis.set(keyvKey(), keyvValue, TTL)))],
])
await profiled('Keyv get', 'ours', () => keyvOurs.get(keyvKey()))
await profiled('Keyv get', 'keyv-redis', () => keyvRedis.get(keyvKey()))
await profiled('Keyv set', 'ours', () => keyvOurs.set(keyvKey(), keyvValue, TTL))
await profiled('Keyv set', 'keyv-redis', () => keyvRedis.set(keyvKey(), keyvValue, TTL))
// clear(): 10k records of the namespace, while the same database holds `records` other keys.
const others = records
log(`  filling ${others} other keys beside each contender's namespace`)
for (const db of [DB.keyvOurs, DB.keyvRedis]) {
  const filler = clientFor(db)
  for (let i = 0; i < others; i += 1000) {
    const args: string[] = []
    for (let j = i; j < Math.min(others, i + 1000); j++) args.push(`other:${j}`, 'x'.repeat(50))
    await filler.mset(...args)
  }
  filler.disconnect()
}
// The namespace cleared holds exactly KEYV_KEYS records: its own Keyv namespace, beside the
// get/set workloads' 'bench' namespace (which stays, among the others).
const keyvClearOurs = new Keyv({ store: new KeyvPrefixCache({ redis: keyvOursClient }), namespace: 'clear' })
const keyvClearRedis = new Keyv({ store: new KeyvRedis(`${url.replace(/\/\d*$/, '')}/${DB.keyvRedis}`, { namespace: 'clear' }), namespace: 'clear', useKeyPrefix: false })
const clearKeyv = async (keyv: typeof keyvOurs, contender: Contender) => {
  for (let i = 0; i < KEYV_KEYS; i += 500) await keyv.setMany(Array.from({ length: 500 }, (_, j) => ({ key: `c:${i + j}`, value: 1, ttl: TTL })))
  const t0 = performance.now()
  await keyv.clear()
  record(`Keyv clear() of 10000 records beside ${others} other keys (ms)`, contender, performance.now() - t0)
  if ((await keyv.get('c:1')) !== undefined) throw new Error(`${contender} clear() left records`)
  if ((await (contender === 'ours' ? keyvOurs : keyvRedis).get('user:0')) === undefined) throw new Error(`${contender} clear() removed another namespace's records`)
}
await alternate([
  ['ours', () => clearKeyv(keyvClearOurs, 'ours')],
  ['keyv-redis', () => clearKeyv(keyvClearRedis, 'keyv-redis')],
])
await keyvClearRedis.disconnect()
await keyvClearOurs.disconnect()
await keyvOurs.disconnect()
keyvOursClient.disconnect()
await keyvRedis.disconnect()

// --- ratios against the targets -----------------------------------------------------------

const m = (workload: string, contender: Contender) => results[workload]?.[contender]?.median ?? NaN
const top = levels[levels.length - 1] as number
const bottom = levels[0] as number
const ratios = [
  { name: 'put, 64 callers: ours / seed', value: m('put, 64 callers (ops/s)', 'ours') / m('put, 64 callers (ops/s)', 'seed'), target: '>= 4', ok: (v: number) => v >= 4 },
  {
    name: 'put, 64 callers: ours / limit (redis-benchmark EVALSHA of the put script)',
    value: m('put, 64 callers (ops/s)', 'ours') / m('put, 64 callers (ops/s)', 'limit'),
    target: '>= 0.5',
    ok: (v: number) => v >= 0.5,
  },
  {
    name: "put, 64 callers: ours / limit pipelined (redis-benchmark -P 16 of the put script: the Redis thread's ceiling)",
    value: m('put, 64 callers (ops/s)', 'ours') / m('put, 64 connections x 16 pipelined (ops/s)', 'limit'),
    target: '>= 0.95',
    ok: (v: number) => v >= 0.95,
  },
  {
    name: 'sign-in flow: ours / seed',
    value: m('sign-in flow, 64 callers (flows/s)', 'ours') / m('sign-in flow, 64 callers (flows/s)', 'seed'),
    target: '>= 5',
    ok: (v: number) => v >= 5,
  },
  {
    name: 'get, 64 callers: checked reads (evicting server) / plain GET (for information)',
    value: m('get, 64 callers, evicting server: checked reads (ops/s)', 'ours') / m('get, 64 callers (ops/s)', 'ours'),
    target: '',
    ok: () => true,
  },
  {
    name: 'sign-in flow: checked reads (evicting server) / plain reads (for information)',
    value: m('sign-in flow, 64 callers, evicting server: checked reads (flows/s)', 'ours') / m('sign-in flow, 64 callers (flows/s)', 'ours'),
    target: '',
    ok: () => true,
  },
  {
    name: 'Keyv get, 64 callers: ours / @keyv/redis',
    value: m('Keyv get, 64 callers (ops/s)', 'ours') / m('Keyv get, 64 callers (ops/s)', 'keyv-redis'),
    target: '>= 0.9',
    ok: (v: number) => v >= 0.9,
  },
  {
    name: 'Keyv set, 64 callers: ours / @keyv/redis',
    value: m('Keyv set, 64 callers (ops/s)', 'ours') / m('Keyv set, 64 callers (ops/s)', 'keyv-redis'),
    target: '>= 0.9',
    ok: (v: number) => v >= 0.9,
  },
  {
    name: `Keyv clear() of 10000 records beside ${records} others: @keyv/redis / ours (time)`,
    value: m(`Keyv clear() of 10000 records beside ${records} other keys (ms)`, 'keyv-redis') / m(`Keyv clear() of 10000 records beside ${records} other keys (ms)`, 'ours'),
    target: '>= 100',
    ok: (v: number) => v >= 100,
  },
  {
    name: 'express-session requests, 64 clients: ours / connect-redis 10',
    value: m('express-session requests, 64 clients (requests/s)', 'ours') / m('express-session requests, 64 clients (requests/s)', 'connect-redis'),
    target: '>= 0.95',
    ok: (v: number) => v >= 0.95,
  },
  {
    name: `list one user's sessions among ${smallSessions}: connect-redis all() / sessionsOf (time; for information)`,
    value: m(`list one user's sessions among ${smallSessions} (ms)`, 'connect-redis') / m(`list one user's sessions among ${smallSessions} (ms)`, 'ours'),
    target: '',
    ok: () => true,
  },
  {
    name: `list one user's sessions among ${bigSessions}: connect-redis all() / sessionsOf (time)`,
    value: m(`list one user's sessions among ${bigSessions} (ms)`, 'connect-redis') / m(`list one user's sessions among ${bigSessions} (ms)`, 'ours'),
    target: '>= 100',
    ok: (v: number) => v >= 100,
  },
  {
    name: `all() p50: ours at ${top} / ours at ${bottom} records`,
    value: m(`all() p50 at ${top} records (ms)`, 'ours') / m(`all() p50 at ${bottom} records (ms)`, 'ours'),
    target: '<= 1.5',
    ok: (v: number) => v <= 1.5,
  },
  {
    name: `all() p50 at ${top} records: scan / ours`,
    value: m(`all() p50 at ${top} records (ms)`, 'scan') / m(`all() p50 at ${top} records (ms)`, 'ours'),
    target: '>= 100',
    ok: (v: number) => v >= 100,
  },
  { name: `memory per record at ${top} records: ours / seed`, value: (memory[`${top}`]?.ours ?? NaN) / (memory[`${top}`]?.seed ?? NaN), target: '<= 1', ok: (v: number) => v <= 1 },
].map((r) => ({ name: r.name, value: Number(r.value.toFixed(3)), target: r.target, met: r.ok(r.value) }))

// --- report -------------------------------------------------------------------------------------

const machine = {
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  redis: redisVersion,
  platform: `${os.platform()} ${os.release()}`,
}
const settings = { quick, records, rounds, roundMs, callers: CALLERS, levels }
const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3))
const cell = (f: Figure | undefined) => (f ? (f.rounds.length > 1 ? `${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)})` : fmt(f.median)) : '')
const contenders: Contender[] = ['ours', 'seed', 'scan', 'limit', 'keyv-redis', 'connect-redis']
const lines = [
  `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, Redis ${machine.redis}. ${quick ? 'Quick run. ' : ''}${rounds} rounds; median (min–max) over rounds.`,
  '',
  `| workload | ${contenders.join(' | ')} |`,
  `|---|${contenders.map(() => '---:').join('|')}|`,
  ...Object.entries(results).map(([workload, byContender]) => `| ${workload} | ${contenders.map((c) => cell(byContender[c])).join(' | ')} |`),
  ...levels.map((level) => `| memory per record at ${level} records (bytes) | ${contenders.map((c) => fmt(memory[`${level}`]?.[c as 'ours'])).join(' | ')} |`),
  ...Object.entries(clusterShares).map(
    ([buckets, shares]) => `| cluster, ${buckets} bucket(s): share of commands per master | ${shares.map((x) => `${(x * 100).toFixed(0)}%`).join(' / ')} | | | | |`,
  ),
  '',
  `| profile: one run of ${roundMs * 2} ms, ${CALLERS} callers | ops/s | Node CPU µs/op | Redis CPU µs/op | write syscalls/op | scripts/op | other Redis commands/op | Redis-CPU ceiling (ops/s) | ops/s / ceiling |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...profiles.map(
    ({ workload, contender, profile: p }) =>
      `| ${workload}: ${contender} | ${fmt(p.rate)} | ${fmt(p.nodeMicros)} | ${fmt(p.redisMicros)} | ${p.writes === undefined ? '' : fmt(p.writes)} | ${fmt(p.scripts)} | ${fmt(p.commands)} | ${fmt(p.redisCeiling)} | ${fmt(p.rate / p.redisCeiling)} |`,
  ),
  '',
  '| ratio | value | target | met |',
  '|---|---:|---|---|',
  ...ratios.map((r) => `| ${r.name} | ${r.value} | ${r.target} | ${r.target ? (r.met ? 'yes' : '**no**') : ''} |`),
]
console.log(lines.join('\n'))
mkdirSync(outDir, { recursive: true })
writeFileSync(
  `${outDir}/results.json`,
  `${JSON.stringify({ date: new Date().toISOString(), machine, settings, results, memoryPerRecord: memory, clusterCommandShare: clusterShares, profiles, ratios }, null, 2)}\n`,
)
writeFileSync(`${outDir}/results.md`, `# Benchmark results\n\n${lines.join('\n')}\n`)
log(`wrote ${outDir}/results.json and ${outDir}/results.md`)

await ours.close()
await oursChecked.close()
for (const client of [ours.redis, oursChecked.redis, seed.redis, scan.redis]) client.disconnect()
await admin.quit()
await embedded?.stop()
