/**
 * The unstorage driver (redis-prefix-cache/unstorage) beyond unstorage's own suite
 * (driver.vitest.ts): getKeys(base) and clear(base) read one index, never SCAN or KEYS;
 * unstorage's ttl in seconds, the driver's default ttl and getMeta; watch() reports the
 * driver's own writes and the server's expiries; a mounted storage; options and keys checked.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 glide
import * as assert from 'uvu/assert'
import { createStorage } from 'unstorage'
import prefixCacheDriver from '../../src/unstorage/index.js'
import { BUCKETS, type Context, onSingle, redisSuite, rejects, sleep } from '../helpers.js'

const test = redisSuite('unstorage')

function driverOf(ctx: Context, options: Parameters<typeof prefixCacheDriver>[0] = {}) {
  const driver = prefixCacheDriver({ redis: ctx.storeClient(), buckets: BUCKETS, ...options })
  ctx.cleanup.push(() => driver.dispose())
  return driver
}

test('getKeys(base) and clear(base) read the index of the base: no SCAN, no KEYS, nothing else touched', async (ctx) => {
  const driver = driverOf(ctx)
  const storage = createStorage({ driver })
  const mine = Array.from({ length: 100 }, (_, i) => ({ key: `users:42:item${i}`, value: `v${i}` }))
  const others = Array.from({ length: 1000 }, (_, i) => ({ key: `users:${i + 1000}:item`, value: 'x' }))
  await storage.setItems([...mine, ...others, { key: 'users:42', value: 'the user itself' }, { key: 'users:420:item', value: 'a neighbour' }])
  await ctx.admin.config('RESETSTAT')
  const keys = await storage.getKeys('users:42')
  assert.equal(keys.sort(), mine.map((item) => item.key).sort(), "the base's keys, not 'users:42' itself nor 'users:420:...'")
  // unstorage 1.x's storage.clear(base) clears only the mounts under base (its getMounts), so
  // a base inside one mount is cleared through the driver, with the base relative to it.
  await driver.clear('users:42:')
  assert.equal(await storage.getKeys('users:42'), [])
  assert.is(await storage.getItem('users:42'), 'the user itself')
  assert.is(await storage.getItem('users:420:item'), 'a neighbour')
  assert.is((await storage.getKeys('users')).length, 1002)
  const stats = await ctx.admin.info('commandstats')
  assert.not.match(stats, /cmdstat_(scan|keys):/, 'the index, not the keyspace')
})

test("unstorage's ttl is in seconds; the driver's ttl is the default; getMeta says what is left", async (ctx) => {
  const storage = createStorage({ driver: driverOf(ctx, { ttl: 60 }) })
  await storage.setItem('a', 'default ttl')
  await storage.setItem('b', 'own ttl', { ttl: 2 })
  const a = await storage.getMeta('a')
  const b = await storage.getMeta('b')
  assert.ok(a.ttl !== undefined && a.ttl > 55 && a.ttl <= 60, `a: ${JSON.stringify(a)}`)
  assert.ok(b.ttl !== undefined && b.ttl > 0 && b.ttl <= 2, `b: ${JSON.stringify(b)}`)
  const forever = createStorage({ driver: driverOf(ctx, { namespace: 'forever' }) })
  await forever.setItem('c', 'no ttl')
  assert.is((await forever.getMeta('c')).ttl, undefined)
  await sleep(2100)
  assert.is(await storage.hasItem('b'), false, 'b expired')
  assert.is(await storage.getItem('a'), 'default ttl')
})

onSingle(test)("watch() reports the driver's own writes and removals, and the server's expiries", async (ctx) => {
  await ctx.admin.config('SET', 'notify-keyspace-events', 'Exe')
  const storage = createStorage({ driver: driverOf(ctx) })
  const seen: string[] = []
  const unwatch = await storage.watch((event, key) => {
    seen.push(`${event} ${key}`)
  })
  await storage.setItem('w:1', 'one')
  await storage.setItem('w:2', 'two', { ttl: 1 })
  await storage.removeItem('w:1')
  for (let i = 0; i < 40 && !seen.includes('remove w:2'); i++) await sleep(100)
  await unwatch()
  assert.equal(seen, ['update w:1', 'update w:2', 'remove w:1', 'remove w:2'])
})

test('a driver mounted at a base: the storage lists through it, and clears it whole', async (ctx) => {
  const storage = createStorage()
  storage.mount('cache', driverOf(ctx, { namespace: 'mounted' }))
  storage.mount('other', driverOf(ctx, { namespace: 'other' }))
  await storage.setItem('cache:routes:/a', 'A') // unstorage makes '/' a ':'
  await storage.setItem('cache:routes:b', 'B')
  await storage.setItem('cache:functions:f', 'F')
  await storage.setItem('other:kept', 'K')
  assert.equal((await storage.getKeys('cache:routes')).sort(), ['cache:routes:a', 'cache:routes:b'])
  await storage.clear('cache')
  assert.equal(await storage.getKeys('cache'), [])
  assert.equal(await storage.getKeys(), ['other:kept'])
})

test("unstorage's redis driver options are named in the errors; bad input is refused before anything is sent", async (ctx) => {
  assert.throws(() => prefixCacheDriver({ redis: ctx.storeClient(), base: 'app:' } as never), /options\.base: unstorage's redis driver's `base` is `namespace` here/)
  assert.throws(() => prefixCacheDriver({ url: 'redis://localhost' } as never), /options\.url: a URL goes in `redis`/)
  assert.throws(
    () => prefixCacheDriver({ redis: ctx.storeClient(), ttl: -1 }),
    (e: unknown) => e instanceof RangeError && /options\.ttl must be a positive number of seconds/.test((e as Error).message),
  )
  const driver = driverOf(ctx)
  await rejects(driver.setItem('k', 'v', { ttl: 'soon' }), RangeError, /setItem options\.ttl/)
  await rejects(driver.getItem(42 as never), TypeError, /key must be a string/)
  await rejects(driver.getItem(':'), TypeError, /at least one segment/)
})

test.run()
