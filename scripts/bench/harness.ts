/**
 * The benchmark's harness: its settings (command line), the measuring of measure.ts, the contenders alternating round by round,
 * the results every workload records into, the redis-server they all run on and the stores
 * the workloads share. Workloads are in workloads/, one a file; the report in report.ts.
 */
import { GlideClient, Logger } from '@valkey/valkey-glide'
import { Redis } from 'ioredis'
import { createClient } from 'redis5'
import { RedisCache } from './built.js'
import { ScanCache } from '../baselines/scan-listing.js'
import { SeedCache } from '../baselines/seed-pipeline.js'
import { startRedis, type EmbeddedRedis } from '../embedded-redis.js'
import { CALLERS, figure, type Figure, median, throughput } from './measure.js'
import { profile, type Profile } from './profile.js'

export { CALLERS, figure, type Figure, median, percentile, random, sid, throughput } from './measure.js'

// --- settings -------------------------------------------------------------------------

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}
export const quick = process.argv.includes('--quick')
export const records = Number(option('records') ?? (quick ? 20_000 : 1_000_000))
export const rounds = Number(option('rounds') ?? 5)
export const outDir = option('out') ?? 'bench'
export const roundMs = quick ? 150 : 800
export const latencySamples = quick ? 20 : 60
export const TTL = 30 * 60_000
export const VALUE = { device: 'x'.repeat(150), ip: '203.0.113.7', at: 1764000000000 } // about 200 bytes as superjson
if (!Number.isSafeInteger(records) || records < 100) throw new RangeError('--records must be an integer of at least 100')
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new RangeError('--rounds must be a positive integer')

const started = Date.now()
export const log = (text: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`)

// --- set-up -----------------------------------------------------------------------------

export let embedded: EmbeddedRedis | undefined
export const url = process.env.REDIS_URL || (embedded = await startRedis(['--maxmemory', '0'])).url
const parsed = new URL(url)
export const port = Number(parsed.port || 6379)
export const host = parsed.hostname
export const DB = !embedded
  ? {
      ours: 11,
      seed: 12,
      scan: 13,
      limit: 14,
      keyvOurs: 9,
      keyvRedis: 10,
      sessOurs: 7,
      sessRedis: 8,
      sessRedis6: 6,
      authOurs: 5,
      authRedis: 4,
      rlOurs: 3,
      rlRedis: 2,
      unsOurs: 1,
      unsRedis: 15,
    }
  : {
      ours: 0,
      seed: 1,
      scan: 2,
      limit: 3,
      keyvOurs: 4,
      keyvRedis: 5,
      sessOurs: 6,
      sessRedis: 7,
      sessRedis6: 8,
      authOurs: 9,
      authRedis: 10,
      rlOurs: 11,
      rlRedis: 12,
      unsOurs: 13,
      unsRedis: 14,
    }
export const admin = new Redis(url)
for (const db of Object.values(DB)) {
  const size = Number(await admin.select(db).then(() => admin.dbsize()))
  if (!embedded && size > 0) throw new Error(`REDIS_URL database ${db} is not empty: the benchmark uses databases ${Object.values(DB).join(', ')} and empties them`)
}
await admin.select(0)
export const clientFor = (db: number) => new Redis(url, { db })
/** A connected node-redis 5 client on a database (the peers' fastest setup: connect-redis and @keyv/redis on node-redis 5). */
export async function nodeRedisFor(db: number) {
  const client = createClient({ url, database: db })
  client.on('error', () => undefined)
  await client.connect()
  nodeRedisClients.push(client)
  return client
}
const nodeRedisClients: Array<{ close(): Promise<unknown> }> = []
export const ours = new RedisCache({ redis: clientFor(DB.ours), namespace: 'bench', ttl: TTL })
/** The same store as a server whose maxmemory policy evicts sees it: reads check every index (eviction: 'checked'). */
export const oursChecked = new RedisCache({ redis: clientFor(DB.ours), namespace: 'bench', ttl: TTL, eviction: 'checked' })
/** The same store on a node-redis 5 client: the same database and namespace, so it reads what `ours` wrote. */
export const oursNodeRedis = new RedisCache({ redis: await nodeRedisFor(DB.ours), namespace: 'bench', ttl: TTL })
Logger.setLoggerConfig('off') // GLIDE logs WARN lines to the console by default
const glideClients: GlideClient[] = []
/** A Valkey GLIDE client on a database, with a request timeout above the store's (GLIDE's default is 250 ms). */
export async function glideFor(db: number): Promise<GlideClient> {
  const client = await GlideClient.createClient({ addresses: [{ host: parsed.hostname, port: Number(parsed.port || 6379) }], databaseId: db, requestTimeout: 10_000 })
  glideClients.push(client)
  return client
}
/** The same store on a Valkey GLIDE client. */
export const oursGlide = new RedisCache({ redis: await glideFor(DB.ours), namespace: 'bench', ttl: TTL })
export const seed = new SeedCache({ redis: clientFor(DB.seed), namespace: 'bench', ttl: TTL })
export const scan = new ScanCache(clientFor(DB.scan), 'bench', TTL)
const serverInfo = await admin.info('server')
export const redisVersion = /redis_version:(\S+)/.exec(serverInfo)?.[1] ?? 'unknown'
export async function flushAll() {
  for (const db of Object.values(DB)) {
    await admin.select(db)
    await admin.flushdb()
  }
  await admin.select(0)
}

/** 'ours' is the store on ioredis 6; 'ours-nr5' the same store on a node-redis 5 client; 'ours-glide' on Valkey GLIDE. */
export type Contender =
  | 'ours'
  | 'ours-nr5'
  | 'ours-glide'
  | 'ours-nr5-every-touch'
  | 'seed'
  | 'scan'
  | 'limit'
  | 'floor'
  | 'bare-nr5'
  | 'bare-glide'
  | 'redis-server'
  | 'valkey-server'
  | 'keyv-redis'
  | 'connect-redis'
  | 'connect-redis-nr6'
  | 'better-auth-redis'
  | 'rate-limit-redis'
  | 'unstorage-redis'
export const CONTENDERS: Contender[] = [
  'ours',
  'ours-nr5',
  'ours-glide',
  'ours-nr5-every-touch',
  'seed',
  'scan',
  'limit',
  'floor',
  'bare-nr5',
  'bare-glide',
  'redis-server',
  'valkey-server',
  'keyv-redis',
  'connect-redis',
  'connect-redis-nr6',
  'better-auth-redis',
  'rate-limit-redis',
  'unstorage-redis',
]
export const results: Record<string, Partial<Record<Contender, Figure>>> = {}
export function record(workload: string, contender: Contender, value: number) {
  const slot = ((results[workload] ??= {})[contender] ??= { median: 0, min: 0, max: 0, rounds: [] })
  slot.rounds.push(value)
  Object.assign(slot, figure(slot.rounds))
}

/** Runs each contender once a round, their order rotating from round to round. */
export async function alternate(contenders: Array<[Contender, () => Promise<void>]>) {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const [, run] = contenders[(round + i) % contenders.length] as [Contender, () => Promise<void>]
      await run()
    }
  }
}

/** One extra run of a contender's workload, profiled (profile.ts): where its time goes. */
export const profiles: Array<{ workload: string; contender: string; profile: Profile; runs: number }> = []
export async function profiled(workload: string, contender: string, op: (caller: number, i: number) => Promise<unknown>) {
  profiles.push({ workload, contender, profile: await profile(admin, () => throughput(roundMs * 2, CALLERS, op)), runs: 1 })
}

/** Profiled runs whose ratios are targets: PROFILE_RUNS of each contender, their order rotating, each figure the median of its runs. */
export const PROFILE_RUNS = 3
export async function profiledAlternating(workload: string, contenders: Array<[Contender, (caller: number, i: number) => Promise<unknown>]>) {
  const runs = new Map<Contender, Profile[]>(contenders.map(([contender]) => [contender, []]))
  for (let run = 0; run < PROFILE_RUNS; run++) {
    for (let i = 0; i < contenders.length; i++) {
      const [contender, op] = contenders[(run + i) % contenders.length] as [Contender, (caller: number, i: number) => Promise<unknown>]
      runs.get(contender)?.push(await profile(admin, () => throughput(roundMs * 2, CALLERS, op)))
    }
  }
  for (const [contender, list] of runs) {
    const field = (name: keyof Profile) => (list.some((p) => p[name] === undefined) ? undefined : median(list.map((p) => p[name] as number)))
    const profile = Object.fromEntries((Object.keys(list[0] as Profile) as Array<keyof Profile>).map((name) => [name, field(name)])) as unknown as Profile
    profiles.push({ workload, contender, profile, runs: PROFILE_RUNS })
  }
}

/** Closes the shared stores, their clients and the embedded server. */
export async function closeAll() {
  await ours.close()
  await oursChecked.close()
  await oursNodeRedis.close()
  await oursGlide.close()
  for (const client of nodeRedisClients) await client.close()
  for (const client of glideClients) client.close()
  for (const client of [ours.redis as Redis, oursChecked.redis as Redis, seed.redis, scan.redis]) client.disconnect()
  await admin.quit()
  await embedded?.stop()
}
