/**
 * The API contract (contract.ts) on a single Redis, with one bucket and with 64.
 */
import { Redis } from 'ioredis'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { RedisCache } from '../src/index.js'
import { contractSuite, type Target } from './contract.js'

let server: EmbeddedRedis
let admin: Redis
const target = (): Target => ({
  cache: (options = {}) => new RedisCache({ ...options, redis: server.url }),
  reset: async () => void (await admin.flushall()),
})

for (const buckets of [1, 64]) {
  const test = contractSuite(`contract, single Redis, ${buckets} bucket(s)`, target, { buckets, bucketBy: 2 })
  test.before(async () => {
    server = await startRedis()
    admin = new Redis(server.url)
  })
  test.after(async () => {
    await admin.quit()
    await server.stop()
  })
  test.run()
}
