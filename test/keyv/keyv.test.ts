/**
 * The Keyv adapter inside real Keyv 5 and Keyv 6 and a real cache-manager 7, on a real
 * Redis (and on the cluster suite). Keyv's own compliance suite (Keyv 5) runs under vitest:
 * compliance.vitest.ts. The Keyv 6 storage tests are not published; these cover its adapter
 * contract (absolute expires, raw keys, boolean[] results) and what the issue asks beyond it.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { createCache } from 'cache-manager'
import Keyv5 from 'keyv'
import { Keyv as Keyv6 } from 'keyv6'
import * as assert from 'uvu/assert'
import { KeyvPrefixCache } from '../../src/keyv/index.js'
import { ANY, REST } from '../../src/index.js'
import { BUCKETS, redisSuite, rejects, sleep, snapshot, type Context } from '../helpers.js'

const test = redisSuite('keyv')

/** An adapter on a client of the test's target (closed after the test), spread over the suite's buckets. */
function adapter(ctx: Context, namespace = 'keyv'): KeyvPrefixCache {
  const store = new KeyvPrefixCache({ redis: ctx.storeClient(), namespace, buckets: BUCKETS, bucketBy: 2 })
  ctx.cleanup.push(() => store.disconnect())
  return store
}

async function rawValue(ctx: Context, pattern: string): Promise<string | null> {
  const [key] = await ctx.admin.keys(pattern)
  return key ? ctx.admin.get(key) : null
}

test('Keyv 6 takes the adapter as it is (capabilities.expires) and round-trips values with absolute expiries', async (ctx) => {
  const store = adapter(ctx)
  const keyv = new Keyv6({ store, namespace: 'users' })
  assert.is(keyv.store, store, 'not wrapped in a bridge')
  assert.is(await keyv.set('u1', { name: 'Ada', tags: ['a'] }), true)
  assert.equal(await keyv.get('u1'), { name: 'Ada', tags: ['a'] })
  // Stored as Keyv serialized it: no second serialization.
  assert.equal(JSON.parse((await rawValue(ctx, '*:users:u1')) as string), { value: { name: 'Ada', tags: ['a'] } })
  assert.is(await keyv.set('short', 'x', 400), true)
  const pttl = await ctx.admin.pttl((await ctx.admin.keys('*:users:short'))[0] as string)
  assert.ok(pttl > 0 && pttl <= 401, `the server expires it: PTTL ${pttl}`)
  await sleep(500)
  assert.is(await keyv.get('short'), undefined)
  assert.equal(await ctx.admin.keys('*:users:short'), [], 'gone from Redis, not only hidden by Keyv')
  assert.is(await keyv.has('u1'), true)
  assert.is(await keyv.delete('u1'), true)
  assert.is(await keyv.delete('u1'), false)
})

test('Keyv 6: setMany, getMany, hasMany, deleteMany (boolean per key), iterator with raw keys, clear', async (ctx) => {
  const keyv = new Keyv6({ store: adapter(ctx), namespace: 'ns' })
  assert.equal(
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 60_000 },
      { key: 'c:d', value: 3 },
    ]),
    [true, true, true],
  )
  assert.equal(await keyv.getMany(['a', 'b', 'nope', 'c:d']), [1, 2, undefined, 3])
  assert.equal(await keyv.hasMany(['a', 'nope']), [true, false])
  const listed: Array<[unknown, unknown]> = []
  for await (const entry of keyv.iterator()) listed.push(entry as [unknown, unknown])
  assert.equal(listed.sort(), [
    ['a', 1],
    ['b', 2],
    ['c:d', 3],
  ])
  assert.equal(await keyv.deleteMany(['a', 'nope']), [true, false])
  await keyv.clear()
  assert.equal(await keyv.getMany(['b', 'c:d']), [undefined, undefined])
})

test('Keyv 5 (what cache-manager 7 uses): prefixed keys, relative ttl, iterator; records shared with Keyv 6 in the same namespace', async (ctx) => {
  const keyv5 = new Keyv5({ store: adapter(ctx), namespace: 'shared' })
  assert.is(await keyv5.set('k', 'five', 60_000), true)
  assert.ok((await ctx.admin.pttl((await ctx.admin.keys('*:shared:k'))[0] as string)) > 59_000)
  assert.is(await keyv5.get('k'), 'five')
  const keyv6 = new Keyv6({ store: adapter(ctx), namespace: 'shared' })
  assert.is(await keyv6.get('k'), 'five', 'the same record: [namespace, key] either way')
  const listed: unknown[] = []
  for await (const [key, value] of keyv5.iterator!(undefined)) listed.push([key, value])
  assert.equal(listed, [['k', 'five']])
  assert.is(await keyv5.deleteMany(['k']), true)
})

test('clearing one Keyv namespace touches nothing else (other namespaces, a plain RedisCache), with no SCAN or KEYS', async (ctx) => {
  const one = new Keyv6({ store: adapter(ctx), namespace: 'one' })
  const two = new Keyv5({ store: adapter(ctx), namespace: 'two' })
  const plain = ctx.cache({ namespace: 'keyv' }) // the same Redis namespace, other records
  for (let i = 0; i < 50; i++) {
    await one.set(`k${i}`, i)
    await two.set(`k${i}`, i)
  }
  await plain.put(['one', 'deep', 'record'], 'not keyv')
  await plain.put('solo', 1)
  const others = (await snapshot(ctx.admin)).filter((line) => !/:one:k\d+ /.test(line) && !/:one:#/.test(line))
  await ctx.admin.config('RESETSTAT')
  await one.clear()
  assert.not.match(await ctx.admin.info('commandstats'), /cmdstat_(scan|keys):/)
  assert.is(await one.get('k1'), undefined)
  assert.is(await two.get('k1'), 1)
  assert.is(await plain.get(['one', 'deep', 'record']), 'not keyv', 'a 3-part record under the same first part is not a Keyv record')
  const after = (await snapshot(ctx.admin)).filter((line) => !/:one:#/.test(line))
  assert.equal(
    after.filter((line) => !/^\{keyv(#\d+)?\}:#/.test(line)),
    others.filter((line) => !/^\{keyv(#\d+)?\}:#/.test(line)),
  )
  assert.is(await plain.count([REST]), 50 + 2)
})

test('cache-manager 7 on Keyv 5: set with ttl, get, ttl, del, mset, mget, clear, and wrap coalesces concurrent refreshes', async (ctx) => {
  const cache = createCache({ stores: [new Keyv5({ store: adapter(ctx), namespace: 'cm' })] })
  assert.equal(await cache.set('user:1', { name: 'Ada' }, 60_000), { name: 'Ada' })
  assert.equal(await cache.get('user:1'), { name: 'Ada' })
  const expires = await cache.ttl('user:1')
  assert.ok(typeof expires === 'number' && expires > Date.now() + 59_000 && expires <= Date.now() + 60_000, String(expires))
  assert.is(await cache.del('user:1'), true)
  assert.is(await cache.get('user:1'), undefined)
  await cache.mset([
    { key: 'a', value: 1, ttl: 60_000 },
    { key: 'b', value: 2 },
  ])
  assert.equal(await cache.mget(['a', 'b', 'c']), [1, 2, undefined])
  let calls = 0
  const load = async () => {
    calls++
    await sleep(50)
    return { fresh: calls }
  }
  const results = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('slow', load, 60_000)))
  assert.is(calls, 1, 'one load for ten concurrent callers')
  assert.ok(results.every((r) => (r as { fresh: number }).fresh === 1))
  assert.equal(await cache.wrap('slow', load, 60_000), { fresh: 1 }, 'then served from Redis')
  await cache.clear()
  assert.equal(await cache.mget(['a', 'b', 'slow']), [undefined, undefined, undefined])
  await cache.disconnect()
})

test('bad keys are clear errors before anything is sent; a failing call rejects and emits nothing', async (ctx) => {
  const store = adapter(ctx)
  store.namespace = 'errs'
  const before = await snapshot(ctx.admin)
  await rejects(store.get(42 as never), TypeError, /key must be a string, got number/)
  await rejects(store.set('x'.repeat(20_000), 'v'), RangeError, /at most 16384 \(LIMITS\.keyBytes\)/)
  await rejects(store.set('k', { not: 'serialized' }), TypeError, /stores what Keyv serialized, a string/)
  assert.equal(await snapshot(ctx.admin), before)
  let emitted = 0
  store.on('error', () => emitted++)
  await store.disconnect()
  await rejects(store.get('k'), Error, /this store is closed/)
  assert.is(emitted, 0)
  // Keyv turns a rejection into its own 'error' event and a miss.
  const keyv = new Keyv6({ store, namespace: 'errs' })
  const keyvErrors: unknown[] = []
  keyv.on('error', (e: unknown) => keyvErrors.push(e))
  assert.is(await keyv.get('k'), undefined)
  assert.is(keyvErrors.length, 1)
})

test('sharing a RedisCache: its client, namespace and buckets; the adapter leaves the client open', async (ctx) => {
  const cache = ctx.cache({ namespace: 'app' })
  const store = new KeyvPrefixCache({ cache })
  const keyv = new Keyv6({ store, namespace: 'sessions' })
  await keyv.set('s1', 'v')
  assert.equal(await cache.keys(['sessions', ANY]), [['sessions', 's1']])
  await store.disconnect()
  assert.is(await cache.has(['sessions', 's1']), true, 'the shared store still works')
  assert.throws(() => new KeyvPrefixCache({ cache, namespace: 'x' }), /options\.cache brings its client, namespace and buckets/)
})

test('Keyv 6: a drain loop (iterator, delete each key) over 3,000 records deletes every one (a listing scans each ZSCAN cursor once)', async (ctx) => {
  const store = adapter(ctx)
  const keyv = new Keyv6({ store, namespace: 'drain' })
  await keyv.setMany(Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, value: i })))
  let seen = 0
  for await (const [key] of keyv.iterator() as AsyncGenerator<[string, unknown]>) {
    seen++
    await keyv.delete(key)
  }
  assert.is(seen, 3000)
  assert.is(await store.cache.count(['drain', REST]), 0)
})

test.run()
