/**
 * npx tsx scripts/bench/compare.ts --old DIR [--new DIR] [--rounds N] [--ms N] [--only TEXT]
 *
 * The same store code before and after a change, side by side: two builds (each a checkout
 * with `npm run build` run in it; --new defaults to this one) load in one process and run
 * the per-call workloads against one redis-server, alternating build by build and round by
 * round (old, new, then new, old) so that a noisy machine hurts both alike. Prints the
 * median ops/s of each and new / old. For a refactoring that must not cost speed.
 */
import { Redis } from 'ioredis'
import { pathToFileURL } from 'node:url'
import { startRedis } from '../embedded-redis.js'
import { alternateBuilds, median } from './measure.js'

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}
const oldDir = option('old')
if (!oldDir) throw new Error('--old DIR: a checkout of the code before the change, built (npm run build)')
const newDir = option('new') ?? new URL('../..', import.meta.url).pathname
const rounds = Number(option('rounds') ?? 7)
const ms = Number(option('ms') ?? 800)
/** Only the workloads whose name contains this text. */
const only = option('only')

type Store = {
  put(key: unknown, value: unknown): Promise<void>
  putMany(entries: unknown[]): Promise<void>
  get(key: unknown): Promise<unknown>
  getAndTouch(key: unknown, ttl?: number): Promise<unknown>
  all(pattern: unknown): Promise<Array<[unknown, unknown]>>
  close(): Promise<void>
}
type Sessions = { get(sid: string, cb: (e: unknown, s?: unknown) => void): void; touch(sid: string, s: unknown, cb: (e?: unknown) => void): void; close(): Promise<void> }

const redis = await startRedis(['--maxmemory', '0'])
const VALUE = { device: 'x'.repeat(150), ip: '203.0.113.7', at: 1764000000000 }
const TTL = 30 * 60_000
const builds = await Promise.all(
  [
    ['old', oldDir],
    ['new', newDir],
  ].map(async ([name, dir], db) => {
    const core = await import(pathToFileURL(`${dir}/dist/index.js`).href)
    const session = await import(pathToFileURL(`${dir}/dist/session/index.js`).href)
    const client = new Redis(redis.url, { db })
    const store: Store = new core.RedisCache({ redis: client, namespace: 'cmp', ttl: TTL })
    const sessionClient = new Redis(redis.url, { db })
    const sessions: Sessions = new session.RedisSessionStore({ redis: sessionClient, userOf: (s: { user?: number }) => s.user })
    const entries = Array.from({ length: 10_000 }, (_, i) => [['user', i % 1000, 'session', `s${i}`], VALUE])
    for (let i = 0; i < entries.length; i += 500) await store.putMany(entries.slice(i, i + 500))
    const expires = new Date(Date.now() + TTL).toISOString()
    await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) =>
          new Promise<void>((resolve, reject) =>
            (sessions as unknown as { set(sid: string, s: unknown, cb: (e?: unknown) => void): void }).set(`x${i}`, { user: i % 100, cookie: { expires } }, (e) =>
              e ? reject(e) : resolve(),
            ),
          ),
      ),
    )
    return { name: name as string, store, sessions, clients: [client, sessionClient] }
  }),
)

const random = (n: number) => Math.floor(Math.random() * n)
const cb = <T>(run: (done: (e?: unknown, v?: T) => void) => void) => new Promise<T | undefined>((resolve, reject) => run((e, v) => (e ? reject(e) : resolve(v))))
const workloads: Record<string, (b: (typeof builds)[number]) => () => Promise<unknown>> = {
  'put, 64 callers': (b) => () => b.store.put(['user', random(1000), 'session', `p${random(1e9)}`], VALUE),
  'get, 64 callers': (b) => () => b.store.get(['user', random(1000), 'session', `s${random(10_000)}`]),
  'getAndTouch, 64 callers': (b) => () => b.store.getAndTouch(['user', random(1000), 'session', `s${random(10_000)}`]),
  'all() of 10 records, 64 callers': (b) => () => b.store.all(['user', random(1000), 'session', Symbol.for('redis-prefix-cache.ANY')]),
  'session get + touch, 64 callers': (b) => async () => {
    const sid = `x${random(1000)}`
    const s = await cb((done) => b.sessions.get(sid, done))
    await cb((done) => b.sessions.touch(sid, s, done))
  },
}

console.log(`| workload (ops/s, median of ${rounds} rounds of ${ms} ms) | old | new | new / old |`)
console.log('|---|---:|---:|---:|')
for (const [name, make] of Object.entries(workloads)) {
  if (only && !name.includes(only)) continue
  const rates = await alternateBuilds(
    builds.map((b) => make(b)),
    rounds,
    ms,
  )
  const [o, n] = rates.map(median) as [number, number]
  console.log(`| ${name} | ${o.toFixed(0)} | ${n.toFixed(0)} | ${(n / o).toFixed(3)} |`)
}
for (const b of builds) {
  await b.store.close()
  await b.sessions.close()
  for (const client of b.clients) client.disconnect()
}
await redis.stop()
