/**
 * The calls a cache user expects beyond put/get/delete: add (put-if-absent), getAndTouch,
 * take, deleteMany, count, keys, per-record ttls in putMany, and a URL with ioredis options.
 * Each keeps the store's guarantees (indexes in step, verify clean) on a single Redis and on
 * the cluster suite; the races are shown against the naive two-call versions too.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import * as assert from 'uvu/assert'
import { ANY, REST, RedisCache, type Key } from '../src/index.js'
import { onSingle, redisSuite, rejects, sleep, type Context } from './helpers.js'

const test = redisSuite('calls')

const RACERS = 16

async function race<T>(ctx: Context, run: (store: RedisCache, i: number) => Promise<T>): Promise<T[]> {
  const stores = Array.from({ length: RACERS }, () => ctx.cache({ ttl: 60_000 }))
  await Promise.all(stores.map((store) => store.has('warm-up'))) // every connection ready
  return Promise.all(stores.map(run))
}

test('add: of many connections racing to create one key, exactly one wins; the naive has-then-put lets several win', async (ctx) => {
  const results = await race(ctx, (store, i) => store.add(['lock', 'job-1'], `owner-${i}`))
  assert.is(results.filter(Boolean).length, 1, `${results.filter(Boolean).length} winners`)
  const winner = results.indexOf(true)
  const store = ctx.cache({ ttl: 60_000 })
  assert.is(await store.get(['lock', 'job-1']), `owner-${winner}`)
  assert.equal(await store.all(['lock', ANY]), [[['lock', 'job-1'], `owner-${winner}`]])

  const naive = await race(ctx, async (s, i) => {
    if (await s.has(['lock', 'job-2'])) return false
    await s.put(['lock', 'job-2'], `owner-${i}`)
    return true
  })
  assert.ok(naive.filter(Boolean).length > 1, 'the naive version should let several callers believe they won')
  assert.ok((await store.verify()).ok)
})

test('add: false over a live record (which stays as it was), true once it has expired or been deleted', async ({ cache }) => {
  const store = cache({ ttl: 60_000 })
  assert.is(await store.add('k', 'first', { ttl: 200 }), true)
  const ttl = await store.ttl('k')
  assert.is(await store.add('k', 'second', { ttl: 60_000 }), false)
  assert.is(await store.get('k'), 'first')
  assert.ok((await store.ttl('k'))! <= ttl!, 'a refused add changes no expiry')
  await sleep(250)
  assert.is(await store.add('k', 'third'), true)
  assert.is(await store.get('k'), 'third')
  await store.delete('k')
  assert.is(await store.add(['k'], 'fourth', { ttl: Infinity }), true)
  assert.is(await store.ttl('k'), Infinity)
  assert.ok((await store.verify()).ok)
  await rejects(store.add('k', undefined), TypeError, /value must not be undefined/)
  await rejects(store.add('k', 1, { ttl: 0 }), RangeError, /options\.ttl/)
})

test('getAndTouch: the value, and the record and its index entries given a new expiry, in one call', async ({ cache }) => {
  const store = cache({ ttl: 1000 })
  await store.putMany([
    [['user', 1, 'session', 'a'], { n: 1 }],
    [['user', 1, 'session', 'b'], { n: 2 }],
  ])
  await sleep(500)
  assert.equal(await store.getAndTouch(['user', 1, 'session', 'a'], 60_000), { n: 1 })
  assert.ok((await store.ttl(['user', 1, 'session', 'a']))! > 59_000)
  await sleep(700)
  // Past the first expiry: the touched session is still listed, the other is gone.
  assert.equal(await store.all(['user', 1, 'session', ANY]), [[['user', 1, 'session', 'a'], { n: 1 }]])
  assert.equal(await store.all(['user', REST]), [[['user', 1, 'session', 'a'], { n: 1 }]])
  assert.is(await store.getAndTouch(['user', 1, 'session', 'b']), undefined)
  assert.is(await store.has(['user', 1, 'session', 'b']), false, 'nothing is created for an absent key')
  assert.equal(await store.getAndTouch(['user', 1, 'session', 'a']), { n: 1 })
  assert.ok((await store.ttl(['user', 1, 'session', 'a']))! <= 1000, "the store's default ttl")
  assert.ok((await store.verify()).ok)
  await rejects(cache().getAndTouch('x'), RangeError, /ttl must be given/)
})

test('take: of many connections racing to take one token, exactly one gets it; the naive get-then-delete hands it out several times', async (ctx) => {
  const store = ctx.cache({ ttl: 60_000 })
  await store.putMany([
    [['reset', 'tok-1'], { user: 7 }],
    [['reset', 'tok-2'], { user: 8 }],
  ])
  const taken = await race(ctx, (s) => s.take(['reset', 'tok-1']))
  assert.equal(
    taken.filter((v) => v !== undefined),
    [{ user: 7 }],
  )
  assert.is(await store.get(['reset', 'tok-1']), undefined)
  assert.equal(await store.keys(['reset', ANY]), [['reset', 'tok-2']])

  const naive = await race(ctx, async (s) => {
    const value = await s.get(['reset', 'tok-2'])
    await s.delete(['reset', 'tok-2'])
    return value
  })
  assert.ok(naive.filter((v) => v !== undefined).length > 1, 'the naive version should hand the token out more than once')
  assert.is(await store.take(['reset', 'absent']), undefined)
  assert.ok((await store.verify()).ok)
})

test('deleteMany: removes each record whole, across buckets, and counts only those that were there', async ({ cache }) => {
  const store = cache({ ttl: 60_000 })
  const keys: Key[] = Array.from({ length: 30 }, (_, i) => ['user', i % 5, 'session', `s${i}`])
  await store.putMany(keys.map((key) => [key, 1]))
  assert.is(await store.deleteMany([...keys.slice(0, 20), ['user', 9, 'session', 'absent'], 'nothing']), 20)
  assert.is(await store.count(['user', REST]), 10)
  assert.equal((await store.keys(['user', ANY, 'session', ANY])).length, 10)
  assert.is(await store.deleteMany([]), 0)
  assert.ok((await store.verify()).ok)
  await rejects(store.deleteMany(['ok', []]), TypeError, /keys\[1\] must have at least one part/)
})

test('count and keys: from the indexes, exact under every pattern shape, expired records not counted, no value read', async ({ cache, admin }) => {
  const store = cache({ ttl: 60_000 })
  await store.putMany([
    [['user', 1], 'u'],
    [['user', 1, 'session', 'a'], 1],
    [['user', 1, 'session', 'b'], 1],
    [['user', 2, 'session', 'c'], 1],
    [['user', 2, 'device', 'd'], 1],
    ['top', 1],
    ['other', 1],
  ])
  await store.put(['user', 1, 'session', 'short'], 1, { ttl: 50 })
  await sleep(80)
  await admin.config('RESETSTAT')
  const cases: Array<[unknown, number]> = [
    [['user', REST], 5],
    [[REST], 7],
    [['user', 1, REST], 2],
    [['user', ANY], 1],
    [['user', ANY, 'session', ANY], 3],
    [['user', 1, 'session', ANY], 2],
    [ANY, 2],
    [['user', 1], 1],
    [['user', 3], 0],
    [['nobody', REST], 0],
  ]
  for (const [pattern, expected] of cases) {
    assert.is(await store.count(pattern as never), expected, `count ${String(JSON.stringify(pattern))}`)
    assert.is((await store.keys(pattern as never)).length, expected, `keys ${String(JSON.stringify(pattern))}`)
  }
  const stats = await admin.info('commandstats')
  assert.not.match(stats, /cmdstat_(get|mget):/, 'count and keys read no value')
  assert.equal(await store.keys(['user', ANY, 'session', ANY]), [
    ['user', 1, 'session', 'a'],
    ['user', 1, 'session', 'b'],
    ['user', 2, 'session', 'c'],
  ])
  const iterated: unknown[] = []
  for await (const [key, value] of store.iterate(['user', 2, REST], { values: false, count: 1 })) iterated.push([key, value])
  assert.equal(iterated.sort(), [
    [['user', 2, 'device', 'd'], undefined],
    [['user', 2, 'session', 'c'], undefined],
  ])
  await rejects(
    () =>
      store
        .iterate([REST], { values: 'no' as never })
        [Symbol.asyncIterator]()
        .next(),
    TypeError,
    /options\.values must be a boolean/,
  )
})

test('putMany: each entry may carry its own ttl, in the same atomic call', async ({ cache }) => {
  const store = cache({ ttl: 60_000 })
  await store.putMany(
    [
      [['user', 1, 'session', 'short'], 's', { ttl: 100 }],
      [['user', 1, 'session', 'default'], 'd'],
      [['user', 1, 'session', 'forever'], 'f', { ttl: Infinity }],
      [['user', 1], 'u', {}],
    ],
    { ttl: 30_000 },
  )
  assert.ok((await store.ttl(['user', 1, 'session', 'short']))! <= 100)
  const ttl = (await store.ttl(['user', 1, 'session', 'default']))!
  assert.ok(ttl > 29_000 && ttl <= 30_000, "the call's ttl for entries without their own")
  assert.is(await store.ttl(['user', 1, 'session', 'forever']), Infinity)
  assert.ok((await store.ttl(['user', 1]))! > 29_000)
  await sleep(150)
  assert.equal((await store.keys(['user', 1, 'session', ANY])).sort(), [
    ['user', 1, 'session', 'default'],
    ['user', 1, 'session', 'forever'],
  ])
  assert.ok((await store.verify()).ok)
  await rejects(store.putMany([['a', 1, { ttl: -1 }]]), RangeError, /entries\[0\]\[2\]\.ttl must be a positive integer/)
  await rejects(store.putMany([['a', 1, 5 as never]]), TypeError, /entries\[0\]\[2\] must be an object/)
  await rejects(store.putMany([['a', 1, {}, 4] as never]), TypeError, /entries\[0\] must be a \[key, value\] pair or a \[key, value, \{ ttl \}\] triple/)
})

onSingle(test)('redisOptions: ioredis options for the client made from a URL; refused with a client passed in', async ({ server, admin, client }) => {
  const store = new RedisCache({ redis: server.url, redisOptions: { connectionName: 'prefix-cache-app', db: 3 } })
  try {
    await store.put('k', 1)
    assert.match((await admin.client('LIST')) as string, /name=prefix-cache-app/)
    await admin.select(3)
    assert.is(await admin.exists('{cache}:k'), 1)
    await admin.select(0)
  } finally {
    await store.close()
  }
  assert.throws(() => new RedisCache({ redis: client(), redisOptions: { db: 1 } }), /options\.redisOptions goes with a redis URL/)
  assert.throws(() => new RedisCache({ redis: server.url, redisOptions: 'x' as never }), /options\.redisOptions must be ioredis options/)
  assert.throws(() => new RedisCache({ redis: server.url, redisOptions: { keyPrefix: 'a:' } }), /keyPrefix/)
})

test('under an evicting policy: add replaces a half-evicted record, take and getAndTouch do not return one', async ({ cache, admin }) => {
  const store = cache({ ttl: 60_000, eviction: 'checked' })
  await store.putMany([
    [['user', 5, 'session', 'a'], 'a'],
    [['user', 5, 'session', 'b'], 'b'],
    [['user', 5, 'session', 'c'], 'c'],
  ])
  await admin.del(...(await admin.keys('*:user:5:session:#')))
  assert.is(await store.getAndTouch(['user', 5, 'session', 'a'], 60_000), undefined)
  assert.is(await store.take(['user', 5, 'session', 'b']), undefined)
  assert.is(await store.add(['user', 5, 'session', 'c'], 'new'), true)
  assert.equal(await store.all(['user', 5, REST]), [[['user', 5, 'session', 'c'], 'new']])
  assert.is(await store.count(['user', 5, REST]), 1)
  assert.ok((await store.verify()).ok)
})

test.run()
