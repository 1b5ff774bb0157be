import { Redis } from 'ioredis'
import { startRedis } from './embedded-redis.js'
import { ANY, RedisCache, type Key } from '../src/index.js'
import { SeedCache } from './baselines/seed-pipeline.js'
const server = await startRedis()
const admin = new Redis(server.url)
const VALUE = { device: 'x'.repeat(150), ip: '203.0.113.7', at: 1764000000000 }
const sid = () => Math.random().toString(36).slice(2, 14)
const random = (n: number) => Math.floor(Math.random() * n)
const ours = new RedisCache({ redis: server.url, ttl: 3600000, eviction: 'none' })
async function signIn(store: RedisCache) {
  const user = random(10000); const session = sid()
  await store.putMany([[session, { user: ['user', user], ...VALUE }], [['user', user], VALUE], [['user', user, 'session', session], VALUE]])
  const sessions = await store.all(['user', user, 'session', ANY])
  await store.getMany(sessions.map(([key]) => (key as Key[])[3] as Key))
  await store.delete((sessions[0] as [Key, unknown])[0])
}
const cpuOf = async () => { const i = await admin.info('cpu'); return Number(/used_cpu_user:([\d.]+)/.exec(i)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(i)![1]) }
const what = process.argv[2] ?? 'flow'
async function run(label: string, fn: () => Promise<unknown>, ms = 4000) {
  await admin.config('RESETSTAT')
  const r0 = await cpuOf(); let n = 0; const end = performance.now() + ms
  const cpu0 = process.cpuUsage()
  await Promise.all(Array.from({ length: 64 }, async () => { while (performance.now() < end) { await fn(); n++ } }))
  const cpu = process.cpuUsage(cpu0); const r = (await cpuOf()) - r0
  const stats = (await admin.info('commandstats')).split('\r\n').filter((l) => l.startsWith('cmdstat') && !/config|info/.test(l)).map((l) => { const m = /cmdstat_(\S+):calls=(\d+),usec=(\d+)/.exec(l)!; return `${m[1]} ${(Number(m[2]) / n).toFixed(2)}x ${(Number(m[3]) / n).toFixed(1)}µs` }).join(' | ')
  console.log(label, Math.round(n / (ms / 1000)), '/s node', ((cpu.user + cpu.system) / n).toFixed(1), 'µs redis', (r * 1e6 / n).toFixed(1), 'µs |', stats)
}
for (let r = 0; r < 3; r++) {
  if (what === 'flow') await run('flow', () => signIn(ours))
  if (what === 'put') await run('put', () => ours.put(['user', random(10000), 'session', sid()], VALUE))
}
await ours.close(); admin.disconnect(); await server.stop()
