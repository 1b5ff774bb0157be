import Keyv from 'keyv'
import { Redis } from 'ioredis'
import { startRedis } from './embedded-redis.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
const server = await startRedis()
const admin = new Redis(server.url)
const client = new Redis(server.url)
const keyv = new Keyv({ store: new KeyvPrefixCache({ redis: client }), namespace: 'bench' })
const value = { id: 42, name: 'someone', roles: ['a', 'b'], at: 1700000000000 }
async function run(label: string, fn: () => Promise<unknown>) {
  await admin.config('RESETSTAT')
  let n = 0; const end = performance.now() + 3000
  const cpu0 = process.cpuUsage()
  await Promise.all(Array.from({ length: 64 }, async () => { while (performance.now() < end) { await fn(); n++ } }))
  const cpu = process.cpuUsage(cpu0)
  const stats = (await admin.info('commandstats')).split('\r\n').filter((l) => /evalsha|cmdstat_get|cmdstat_set/.test(l)).map((l) => l.replace(/,rejected.*/, '')).join(' ')
  console.log(label, Math.round(n / 3), 'ops/s', 'node µs/op', ((cpu.user + cpu.system) / n).toFixed(1), stats)
}
for (let r = 0; r < 2; r++) {
  await run('set', () => keyv.set(`user:${Math.floor(Math.random() * 10000)}`, value, 3600000))
  await run('get', () => keyv.get(`user:${Math.floor(Math.random() * 10000)}`))
}
await keyv.disconnect(); client.disconnect(); admin.disconnect(); await server.stop()
