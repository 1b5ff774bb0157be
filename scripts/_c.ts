import { startCluster } from './embedded-cluster.js'
import { RedisCache, ANY } from '../src/index.js'
const t0 = Date.now()
const c = await startCluster()
console.log('started in', Date.now() - t0, 'ms; masters', await c.masters())
for (const buckets of [1, 64]) {
  const client = c.client()
  const store = new RedisCache({ redis: client, buckets, bucketBy: 2, ttl: 60000 })
  await store.putMany(Array.from({ length: 300 }, (_, i) => [['user', i % 50, 'session', i], i]))
  console.log(buckets, (await store.all(['user', 7, 'session', ANY])).length, (await store.all(['user', ANY, 'session', ANY])).length, (await store.verify()).ok, await store.clear())
  await client.quit()
}
await c.stop()
