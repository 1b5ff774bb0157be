import Keyv from 'keyv'
import { Redis } from 'ioredis'
import { startRedis } from './embedded-redis.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
const server = await startRedis(['--enable-debug-command', 'yes'])
const admin = new Redis(server.url)
await admin.call('DEBUG', 'POPULATE', 1000000, 'other', 50)
const client = new Redis(server.url)
const keyv = new Keyv({ store: new KeyvPrefixCache({ redis: client }), namespace: 'bench' })
for (let round = 0; round < 5; round++) {
  for (const pre of ['user', 'c']) for (let i = 0; i < 10000; i += 500) await keyv.setMany(Array.from({ length: 500 }, (_, j) => ({ key: `${pre}:${i + j}`, value: 1, ttl: 3600000 })))
  await admin.config('RESETSTAT')
  const t0 = performance.now()
  await keyv.clear()
  const ms = performance.now() - t0
  const stats = (await admin.info('commandstats')).split('\r\n').filter((l) => l.startsWith('cmdstat_')).map((l) => l.replace(/,rejected.*/, '')).join('\n')
  console.log(`clear ${ms.toFixed(1)} ms`, round === 0 ? '\n' + stats : '')
}
await keyv.disconnect(); client.disconnect(); admin.disconnect(); await server.stop()
