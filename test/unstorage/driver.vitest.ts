/**
 * unstorage's driver test suite (driver-suite.ts, ported from unstorage's own) against the
 * redis-prefix-cache driver on a real redis-server, with the additional cases unstorage's
 * redis driver runs (raw data kept as bytes, setItems with a ttl), checked in Redis itself.
 * `npm test` runs it on one Redis with ioredis; CI also with node-redis 5 (TEST_CLIENT) and on
 * a Redis Cluster with 64 buckets (TEST_TARGET=cluster).
 */
import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis5'
import * as test from 'vitest'
import { startCluster } from '../../scripts/embedded-cluster.js'
import { startRedis } from '../../scripts/embedded-redis.js'
import prefixCacheDriver from '../../src/unstorage/index.js'
import { testDriver } from './driver-suite.js'

/** TEST_TARGET=cluster: a Redis Cluster of its own (3 masters, 64 buckets); TEST_CLIENT=node-redis5: a node-redis 5 client for the driver. */
const onCluster = process.env.TEST_TARGET === 'cluster'
const nodeRedis = process.env.TEST_CLIENT === 'node-redis5'

let stop: () => Promise<void>
/** Redis as the test reads it (ioredis); the driver's own client may be node-redis. */
let client: Redis | Cluster
let driverClient: unknown

test.beforeAll(async () => {
  if (onCluster) {
    const cluster = await startCluster(3, 0)
    client = new Cluster(cluster.startupNodes)
    driverClient = nodeRedis ? await createCluster({ rootNodes: cluster.startupNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) }).connect() : client
    stop = () => cluster.stop()
  } else {
    const server = await startRedis()
    client = new Redis(server.url)
    driverClient = nodeRedis ? await createClient({ url: server.url }).connect() : client
    stop = () => server.stop()
  }
})
test.afterAll(async () => {
  if (driverClient !== client) await (driverClient as { close(): Promise<unknown> }).close()
  await client.quit()
  await stop()
})

test.describe('drivers: redis-prefix-cache', () => {
  testDriver({
    driver: () => prefixCacheDriver({ redis: driverClient as Redis, namespace: 'test', ...(onCluster ? { buckets: 64 } : {}) }),
    additionalTests(ctx) {
      test.it('saves raw data as bytes', async () => {
        const hello = Buffer.from('Hello, world!', 'utf8')
        const bytes = new Uint8Array([2, 0, 2, 5])
        await ctx.storage.setItemRaw('s4:a', hello)
        await ctx.storage.setItemRaw('s5:a', bytes)
        test.expect(Buffer.from((await ctx.storage.getItemRaw('s4:a')) as Uint8Array)).toEqual(hello)
        test.expect(Buffer.from((await ctx.storage.getItemRaw('s5:a')) as Uint8Array)).toEqual(Buffer.from([2, 0, 2, 5]))
        if (!onCluster) test.expect(await client.exists('{test}:s4:a', '{test}:s5:a')).toBe(2)
      })

      test.it('setItems with ttl sets each key with an expiry', async () => {
        await ctx.storage.setItems(
          [
            { key: 's6:a', value: 'a' },
            { key: 's6:b', value: 'b' },
          ],
          { ttl: 1000 },
        )
        test.expect(await ctx.storage.getItem('s6:a')).toBe('a')
        test.expect(await ctx.storage.getItem('s6:b')).toBe('b')
        test.expect((await ctx.storage.getMeta('s6:a')).ttl).toBeGreaterThan(0)
        if (!onCluster) test.expect(await client.ttl('{test}:s6:a')).toBeGreaterThan(0)
      })
    },
  })
})
