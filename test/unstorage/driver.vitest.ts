/**
 * unstorage's driver test suite (driver-suite.ts, ported from unstorage's own) against the
 * redis-prefix-cache driver on a real redis-server, with the additional cases unstorage's
 * redis driver runs (raw data kept as bytes, setItems with a ttl), checked in Redis itself.
 */
import { Redis } from 'ioredis'
import * as test from 'vitest'
import { startRedis, type EmbeddedRedis } from '../../scripts/embedded-redis.js'
import prefixCacheDriver from '../../src/unstorage/index.js'
import { testDriver } from './driver-suite.js'

let server: EmbeddedRedis
let client: Redis

test.beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.url)
})
test.afterAll(async () => {
  await client.quit()
  await server.stop()
})

test.describe('drivers: redis-prefix-cache', () => {
  testDriver({
    driver: () => prefixCacheDriver({ redis: client, namespace: 'test' }),
    additionalTests(ctx) {
      test.it('saves raw data as bytes', async () => {
        const hello = Buffer.from('Hello, world!', 'utf8')
        const bytes = new Uint8Array([2, 0, 2, 5])
        await ctx.storage.setItemRaw('s4:a', hello)
        await ctx.storage.setItemRaw('s5:a', bytes)
        test.expect(Buffer.from((await ctx.storage.getItemRaw('s4:a')) as Uint8Array)).toEqual(hello)
        test.expect(Buffer.from((await ctx.storage.getItemRaw('s5:a')) as Uint8Array)).toEqual(Buffer.from([2, 0, 2, 5]))
        test.expect(await client.exists('{test}:s4:a', '{test}:s5:a')).toBe(2)
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
        test.expect(await client.ttl('{test}:s6:a')).toBeGreaterThan(0)
      })
    },
  })
})
