/**
 * The seed's defects 1 to 5 and 7 (../shared/reference/pow-semantics.md). Each test runs one
 * scenario against the seed's algorithm (scripts/baselines/seed-pipeline.ts) and against
 * the store, and asserts the seed shows the defect and the store does not: so each test is
 * known to fail on the seed's behaviour.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { SeedCache } from '../scripts/baselines/seed-pipeline.js'
import { ANY, type CacheOperationError, type CacheDecodeError, type Key } from '../src/index.js'
import { redisSuite, sleep, onSingle } from './helpers.js'

const test = redisSuite('defects')
const keysOf = (records: Array<[unknown, unknown]>) => records.map(([key]) => JSON.stringify(key)).sort()

onSingle(test)('1: a short-lived record does not shorten the index below longer-lived members', async ({ cache, client }) => {
  const scenario = async (put: (key: Key, ttl: number) => Promise<void>, all: () => Promise<Array<[unknown, unknown]>>) => {
    await put(['user', 1, 'session', 'long'], 60_000)
    await put(['user', 1, 'session', 'short'], 100)
    await sleep(250)
    return keysOf(await all())
  }
  const redis = client()
  const seed = (ttl: number) => new SeedCache({ redis, ttl })
  const seedSees = await scenario(
    (key, ttl) => seed(ttl).put(key as never, 'v'),
    () => seed(1).all(['user', 1, 'session', ANY]),
  )
  assert.equal(seedSees, [], 'the seed was expected to lose the long-lived session with its index')
  await redis.flushall()

  const store = cache()
  const storeSees = await scenario(
    (key, ttl) => store.put(key, 'v', { ttl }),
    () => store.all(['user', 1, 'session', ANY]),
  )
  assert.equal(storeSees, [JSON.stringify(['user', 1, 'session', 'long'])])
})

onSingle(test)('2: one clock: a skewed application clock neither prunes live records nor keeps dead ones', async ({ cache, client }) => {
  const hour = 3_600_000
  // The seed: server B's clock runs an hour ahead of server A's.
  const redis = client()
  const serverA = new SeedCache({ redis, ttl: 30 * 60_000 })
  const serverB = new SeedCache({ redis, ttl: 30 * 60_000, clock: () => Date.now() + hour })
  await serverA.put(['user', 1, 'session', 'a'], 'v')
  await serverB.put(['user', 1, 'session', 'b'], 'v')
  assert.is(await serverA.get(['user', 1, 'session', 'a']), 'v', 'the record itself is live')
  assert.equal(keysOf(await serverA.all(['user', 1, 'session', ANY])), [JSON.stringify(['user', 1, 'session', 'b'])], 'the seed was expected to prune a live record')
  await redis.flushall()

  // The store: the application's clock is never read. Skew it both ways around the writes.
  const store = cache({ ttl: 30 * 60_000 })
  const realNow = Date.now
  try {
    Date.now = () => realNow() + hour
    await store.put(['user', 1, 'session', 'a'], 'v')
    Date.now = () => realNow() - hour
    await store.put(['user', 1, 'session', 'b'], 'v', { ttl: 200 })
    Date.now = () => realNow() + 2 * hour
    await store.put(['user', 1, 'session', 'c'], 'v')
  } finally {
    Date.now = realNow
  }
  assert.equal(keysOf(await store.all(['user', 1, 'session', ANY])).length, 3)
  await sleep(300)
  assert.equal(keysOf(await store.all(['user', 1, 'session', ANY])), [JSON.stringify(['user', 1, 'session', 'a']), JSON.stringify(['user', 1, 'session', 'c'])])
})

/**
 * Puts and deletes of the same keys from several connections at once, round after round;
 * after each round, counts the keys whose value and index entry disagree. Bounded in time.
 */
async function raceRounds(
  writers: Array<{ putMany(records: Array<[Key, unknown]>): Promise<void>; delete(key: Key): Promise<unknown> }>,
  consistent: (key: [string, number, string, number]) => Promise<boolean>,
  stopOnFirst: boolean,
  ms: number,
): Promise<{ rounds: number; broken: number }> {
  const keys = Array.from({ length: 20 }, (_, i): [string, number, string, number] => ['u', i % 4, 's', i])
  const value = 'x'.repeat(2000)
  const until = Date.now() + ms
  let rounds = 0
  let broken = 0
  while (Date.now() < until) {
    rounds++
    await Promise.all(writers.map((writer, j) => (j % 2 === 0 ? writer.putMany(keys.map((key) => [key, value])) : Promise.all(keys.map((key) => writer.delete(key))))))
    for (const key of keys) if (!(await consistent(key))) broken++
    if (stopOnFirst && broken > 0) break
  }
  return { rounds, broken }
}

onSingle(test)('3: a put racing a delete of the same key never leaves a value without its index entry, or the reverse', async ({ cache, client, admin }) => {
  const seeds = Array.from({ length: 8 }, () => new SeedCache({ redis: client(), ttl: 600_000 }))
  const [first] = seeds as [SeedCache]
  const seed = await raceRounds(
    seeds,
    async ([u, n, s, i]) => ((await admin.exists(first.valueKey([u, n, s, i]))) === 1) === ((await admin.zscore(...first.indexEntry([u, n, s], [i]))) !== null),
    true,
    20_000,
  )
  assert.ok(seed.broken > 0, `the seed's pipelines were expected to interleave (${seed.rounds} rounds)`)
  await admin.flushall()

  const stores = Array.from({ length: 8 }, () => cache({ redis: client(), ttl: 600_000 }))
  const ours = await raceRounds(
    stores,
    async (key) => {
      const live = (await admin.exists(`{cache}:${key.join(':')}`)) === 1
      const indexes = [
        await admin.zscore('{cache}:#', key.join(':')),
        await admin.zscore('{cache}:u:#', key.slice(1).join(':')),
        await admin.zscore(`{cache}:u:${key[1]}:#`, key.slice(2).join(':')),
        await admin.zscore(`{cache}:u:${key[1]}:s:#`, String(key[3])),
      ]
      return indexes.every((score) => (score !== null) === live)
    },
    false,
    3_000,
  )
  assert.ok(ours.rounds > 10, `only ${ours.rounds} rounds`)
  assert.is(ours.broken, 0, `${ours.broken} inconsistent keys over ${ours.rounds} rounds`)
})

onSingle(test)('4: ttl is optional: without one, records never expire', async ({ cache, client }) => {
  const seed = new SeedCache({ redis: client() })
  let seedError: unknown
  await seed.put('key', 'value').catch((error) => (seedError = error))
  assert.instance(seedError, Error, 'the seed was expected to raise without a ttl')

  const store = cache()
  await store.put('key', 'value')
  assert.is(await store.get('key'), 'value')
  assert.is(await store.ttl('key'), Infinity)
})

onSingle(test)('5: async write failures are reported, not lost', async ({ cache, client, admin }) => {
  const seed = new SeedCache({ redis: client(), ttl: 60_000, writes: 'async' })
  const store = cache({ ttl: 60_000, writes: 'async' })
  const reported: Array<CacheOperationError | CacheDecodeError> = []
  store.on('error', (error) => reported.push(error))
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  await seed.get('warm-up')
  await store.get('warm-up')
  await admin.config('SET', 'maxmemory', '10')
  try {
    await seed.put('a', 1)
    await seed.delete('a')
    await store.put('a', 1)
    await store.putMany([
      ['b', 2],
      ['c', 3],
    ])
    await store.put(['d', 1], 4)
    await store.flush()
    await sleep(50)
  } finally {
    await admin.config('SET', 'maxmemory', '0')
    process.off('unhandledRejection', onUnhandled)
  }
  // The seed: both calls answered ok, no error reached the caller in any way.
  assert.is(await seed.get('a'), undefined, 'the write failed')
  assert.equal(unhandled, [])
  // The store: each failed write reported once, with its operation, key and Redis's message.
  const sortByOperation = (list: unknown[][]) => list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  assert.equal(
    sortByOperation(reported.map((e) => [e.operation, e.key])),
    sortByOperation([
      ['put', 'a'],
      ['putMany', undefined],
      ['put', ['d', 1]],
    ]),
  )
  for (const error of reported) assert.match(error.message, /OOM command not allowed/)
})

onSingle(test)('5: with no error listener, failures reject flush() and warn', async ({ cache, admin }) => {
  const store = cache({ writes: 'async' })
  await store.get('warm-up')
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  await admin.config('SET', 'maxmemory', '10')
  try {
    await store.put('a', 1)
    let flushError: unknown
    await store.flush().catch((error) => (flushError = error))
    assert.instance(flushError, AggregateError)
    assert.is((flushError as AggregateError).errors.length, 1)
    assert.match(String((flushError as AggregateError).errors[0]), /OOM/)
    await store.flush() // reported once only
    await sleep(10)
    assert.is(warnings.filter((w) => w.name === 'RedisPrefixCacheWarning').length, 1)
  } finally {
    await admin.config('SET', 'maxmemory', '0')
    process.off('warning', onWarning)
  }
})

onSingle(test)('7: a member ZSCAN returns twice is listed once', async ({ cache, client }) => {
  // A member deleted and written again during a listing may come back on a later ZSCAN page:
  // here the index is a hash table when the scan starts, then is emptied and rebuilt small
  // (a listpack), whose ZSCAN returns every member again whatever the cursor.
  const records = Array.from({ length: 200 }, (_, i): [Key, string] => [['s', i], 'v'])
  const redis = client()
  const seed = new SeedCache({ redis, ttl: 60_000 })
  await seed.putMany(records as never)
  const seedSeen: string[] = []
  let page = 0
  for await (const items of seed.allPages(['s', ANY])) {
    seedSeen.push(...keysOf(items))
    if (++page === 1) {
      assert.ok(items.length > 0 && items.length < 200, 'the first page is partial')
      for (const [key] of records) await seed.delete(key as never)
      await seed.putMany(items as never)
    }
  }
  assert.ok(seedSeen.length > new Set(seedSeen).size, 'the seed was expected to list a member twice')
  await redis.flushall()

  const store = cache({ ttl: 60_000 })
  await store.putMany(records)
  const seen: string[] = []
  for await (const [key, value] of store.iterate(['s', ANY], { count: 10 })) {
    seen.push(JSON.stringify(key))
    if (seen.length === 1) {
      await store.deleteAll(['s', ANY])
      await store.put(key, value)
    }
  }
  assert.equal(seen.length, new Set(seen).size, 'a key was listed twice')
  assert.ok(seen.length < 200, 'the listing went on past the rebuild')
})

test.run()
