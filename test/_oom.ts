import { Redis } from 'ioredis'
import { startRedis } from '../scripts/embedded-redis.js'
import { RedisCache } from '../src/index.js'
const server = await startRedis([])
const admin = new Redis(server.url)
await admin.config('SET', 'notify-keyspace-events', 'Exe')
const store = new RedisCache({ redis: server.url, ttl: 600000 })
await store.watch()
const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
console.log(
  'used',
  used,
  (await admin.info('replication'))
    .split('\n')
    .filter((l) => /backlog_active|connected_slaves|slave0/.test(l))
    .join(' '),
)
await admin.config('SET', 'maxmemory-policy', 'allkeys-random')
await admin.config('SET', 'maxmemory', String(used + 1_000_000))
try {
  for (let i = 0; i < 3000; i += 100) await store.putMany(Array.from({ length: 100 }, (_, j) => [['blob', i + j], 'x'.repeat(1000)]))
  console.log('ok')
} catch (e) {
  console.log((e as Error).message.slice(0, 100))
  const info = await admin.info('memory')
  console.log(
    info
      .split('\n')
      .filter((l) => /used_memory:|not_counted|clients|scripts|dataset|overhead|maxmemory:/.test(l))
      .join('\n'),
  )
  console.log(JSON.stringify(await admin.call('MEMORY', 'STATS')))
} finally {
  await admin.config('SET', 'maxmemory', '0')
}
await store.close()
await admin.quit()
await server.stop()
