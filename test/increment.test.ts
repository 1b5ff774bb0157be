/**
 * increment(): a counter record, atomic, whose ttl starts with its first hit and is never
 * extended (a rate limiter's window). Against a naive GET-then-SET counter as the control,
 * which loses counts under concurrency. Runs on a single Redis and on the cluster suite.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { ANY, CacheOperationError, type RedisCache } from '../src/index.js'
import { redisSuite, rejects, sleep } from './helpers.js'

const test = redisSuite('increment')

/** 64 callers at once, each its own connection's turn: the counts they were given. */
async function racing(count: (i: number) => Promise<number>, n = 64): Promise<number[]> {
  return (await Promise.all(Array.from({ length: n }, (_, i) => count(i)))).sort((a, b) => a - b)
}

test('N concurrent increments return 1..N, from several stores on their own connections; get() reads the count', async ({ cache }) => {
  const stores: RedisCache[] = Array.from({ length: 4 }, () => cache({ namespace: 'rl' }))
  const counts = await racing((i) => (stores[i % 4] as RedisCache).increment(['ip', '203.0.113.7', '/sign-in'], { ttl: 10_000 }))
  assert.equal(
    counts,
    Array.from({ length: 64 }, (_, i) => i + 1),
  )
  assert.is(await stores[0]!.get(['ip', '203.0.113.7', '/sign-in']), 64)
  assert.equal(await stores[0]!.keys(['ip', '203.0.113.7', ANY]), [['ip', '203.0.113.7', '/sign-in']], 'listed like any record')
  assert.ok((await stores[0]!.verify()).ok)
})

test('control: a GET-then-SET counter loses counts under the same race', async ({ cache }) => {
  const stores: RedisCache[] = Array.from({ length: 4 }, () => cache({ namespace: 'rl' }))
  const naive = async (store: RedisCache) => {
    const now = ((await store.get('hits')) as number | undefined) ?? 0
    await store.put('hits', now + 1, { ttl: 10_000 })
    return now + 1
  }
  const counts = await racing((i) => naive(stores[i % 4] as RedisCache))
  assert.ok(new Set(counts).size < 64, `the naive counter gave ${new Set(counts).size} distinct counts to 64 callers`)
})

test('the ttl starts with the first increment and is never extended; an expired counter starts again at 1', async ({ cache }) => {
  const store = cache({ namespace: 'rl' })
  assert.is(await store.increment('w', { ttl: 600 }), 1)
  await sleep(350)
  assert.is(await store.increment('w', { ttl: 600 }), 2)
  const left = (await store.ttl('w')) as number
  assert.ok(left <= 260 && left > 0, `the window ends 600 ms after its first hit: ${left} ms left`)
  await sleep(left + 100)
  assert.is(await store.get('w'), undefined)
  assert.is(await store.increment('w', { ttl: 600 }), 1)
  assert.is(await store.increment('forever'), 1, 'no ttl on a store without one: never expires')
  assert.is(await store.ttl('forever'), Infinity)
})

test("a record that is not a counter rejects with Redis's error and is left as it was; bad input is refused before anything is sent", async ({ cache }) => {
  const store = cache({ namespace: 'rl' })
  await store.put('text', 'hello')
  await rejects(store.increment('text'), CacheOperationError, /increment\('text'\) failed: .*the record is not a counter/)
  assert.is(await store.get('text'), 'hello')
  await rejects(() => store.increment(undefined as never), TypeError, /key must be a key part/)
  await rejects(() => store.increment('x', { ttl: -5 }), RangeError, /options\.ttl must be a positive integer/)
  assert.is(await store.get('x'), undefined)
})

test.run()
