/**
 * RateLimitStore (redis-prefix-cache/rate-limit): rate-limit-redis's own test file, ported
 * to a real Redis and real time (its cases on a mock with fake timers), then the store inside
 * a real Express 5 app with express-rate-limit 8 over HTTP: 429 at the limit with the
 * headers, a new window after windowMs, skipFailedRequests taking hits back, 64 concurrent
 * clients on one key admitted exactly up to the limit, and resetAll from the index.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 glide
import type { AddressInfo } from 'node:net'
import express from 'express'
import { rateLimit } from 'express-rate-limit'
import request from 'supertest'
import * as assert from 'uvu/assert'
import { RedisCache } from '../../src/index.js'
import { RateLimitStore } from '../../src/rate-limit/index.js'
import { redisSuite, rejects, sleep, type Context } from '../helpers.js'

const test = redisSuite('rate limit')

function limiterStore(ctx: Context, options: ConstructorParameters<typeof RateLimitStore>[0] = {}): RateLimitStore {
  const store = new RateLimitStore({ redis: ctx.storeClient(), ...options })
  ctx.cleanup.push(() => store.shutdown())
  return store
}

/** The counter's stored text and ms left, as redis-cli sees them. */
async function stored(ctx: Context, namespace: string, key: string): Promise<[string | null, number]> {
  const redisKey = `{${namespace}}:${key}`
  return [await ctx.admin.get(redisKey), await ctx.admin.pttl(redisKey)]
}

const near = (ms: number, windowMs: number) => ms > windowMs - 1000 && ms <= windowMs

// rate-limit-redis's test/store-test.ts, case by case ('rl:' was its prefix; here '{rate-limit}:').

test('rate-limit-redis: supports custom prefixes (here the namespace: its hash tag is the prefix)', async (ctx) => {
  const store = limiterStore(ctx, { namespace: 'test' })
  store.init({ windowMs: 10_000 })
  await store.increment('store')
  const [text, left] = await stored(ctx, 'test', 'store')
  assert.is(text, '{"json":1}')
  assert.ok(near(left, 10_000), `pttl ${left}`)
  assert.is(store.prefix, '{test}:')
})

test('rate-limit-redis: sets the value to 1 on first call to `increment`', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 10_000 })
  const { totalHits, resetTime } = await store.increment('test-store')
  assert.is(totalHits, 1)
  const [text, left] = await stored(ctx, 'rate-limit', 'test-store')
  assert.is(text, '{"json":1}')
  assert.ok(near(left, 10_000), `pttl ${left}`)
  assert.ok(resetTime instanceof Date && Math.abs(resetTime.getTime() - (Date.now() + 10_000)) < 1000, String(resetTime))
})

test('rate-limit-redis: increments the key for the store when `increment` is called', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 10_000 })
  await store.increment('test-store')
  const { totalHits } = await store.increment('test-store')
  assert.is(totalHits, 2)
  const [text, left] = await stored(ctx, 'rate-limit', 'test-store')
  assert.is(text, '{"json":2}')
  assert.ok(near(left, 10_000), `pttl ${left}`)
})

test('rate-limit-redis: decrements the key for the store when `decrement` is called', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 10_000 })
  await store.increment('test-store')
  await store.increment('test-store')
  await store.decrement('test-store')
  const { totalHits } = await store.increment('test-store')
  assert.is(totalHits, 2)
  const [text, left] = await stored(ctx, 'rate-limit', 'test-store')
  assert.is(text, '{"json":2}')
  assert.ok(near(left, 10_000), `pttl ${left}`)
  // Beyond the original: never below 0, and a hit taken back from no counter writes nothing.
  await store.decrement('test-store')
  await store.decrement('test-store')
  await store.decrement('test-store')
  assert.is((await store.get('test-store'))?.totalHits, 0)
  await store.decrement('nobody')
  assert.equal(await stored(ctx, 'rate-limit', 'nobody'), [null, -2])
})

test('rate-limit-redis: resets the count for a key in the store when `resetKey` is called', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 10_000 })
  await store.increment('test-store')
  await store.increment('test-store')
  await store.resetKey('test-store')
  const { totalHits } = await store.increment('test-store')
  assert.is(totalHits, 1)
  const [text, left] = await stored(ctx, 'rate-limit', 'test-store')
  assert.is(text, '{"json":1}')
  assert.ok(near(left, 10_000), `pttl ${left}`)
})

test('rate-limit-redis: fetches the count for a key in the store when `get` is called', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 10_000 })
  await store.increment('test-store')
  await store.increment('test-store')
  const info = await store.get('test-store')
  assert.is(info?.totalHits, 2)
  assert.instance(info?.resetTime, Date)
  assert.is(await store.get('nobody'), undefined)
})

test('rate-limit-redis: resets expiry time on change if `resetExpiryOnChange` is set to `true`', async (ctx) => {
  const store = limiterStore(ctx, { resetExpiryOnChange: true })
  store.init({ windowMs: 3000 })
  await store.increment('test-store')
  await sleep(600)
  const { totalHits, resetTime } = await store.increment('test-store')
  assert.is(totalHits, 2)
  const [text, left] = await stored(ctx, 'rate-limit', 'test-store')
  assert.is(text, '{"json":2}')
  assert.ok(left > 2600, `the window started again: pttl ${left}`)
  assert.ok((resetTime as Date).getTime() - Date.now() > 2600)
  // Without it, the window keeps its first expiry.
  const fixed = limiterStore(ctx, { namespace: 'fixed' })
  fixed.init({ windowMs: 3000 })
  await fixed.increment('k')
  await sleep(600)
  await fixed.increment('k')
  const [, fixedLeft] = await stored(ctx, 'fixed', 'k')
  assert.ok(fixedLeft <= 2400, `the window kept its start: pttl ${fixedLeft}`)
})

test('rate-limit-redis: resets the count for all the keys in the store when the timeout is reached', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 50 })
  await store.increment('test-store-one')
  await store.increment('test-store-two')
  await sleep(80)
  assert.is(await ctx.admin.get('{rate-limit}:test-store-one'), null)
  assert.is(await ctx.admin.get('{rate-limit}:test-store-two'), null)
})

test('rate-limit-redis: starts new window with count 1 when TTL expired', async (ctx) => {
  const store = limiterStore(ctx)
  store.init({ windowMs: 50 })
  assert.is((await store.increment('test-expired-window')).totalHits, 1)
  await sleep(80)
  const after = await store.increment('test-expired-window')
  assert.is(after.totalHits, 1)
  const [text, left] = await stored(ctx, 'rate-limit', 'test-expired-window')
  assert.is(text, '{"json":1}')
  assert.ok(left > 0 && left <= 50, `pttl ${left}`)
})

test("rate-limit-redis's options are named in the errors; bad input is refused before anything is sent", async (ctx) => {
  assert.throws(() => new RateLimitStore({ redis: ctx.storeClient(), prefix: 'rl:' } as never), /options\.prefix: rate-limit-redis's `prefix` is `namespace` here/)
  assert.throws(() => new RateLimitStore({ sendCommand: () => undefined } as never), /options\.sendCommand: rate-limit-redis's `sendCommand` is `redis` here/)
  assert.throws(() => new RateLimitStore({ redis: ctx.storeClient(), buckets: 4 } as never), /options\.buckets: a limiter keeps its counters under one hash tag/)
  assert.throws(
    () => new RateLimitStore({ redis: ctx.storeClient(), windowMs: 0 }),
    (e: unknown) => e instanceof RangeError && /options\.windowMs/.test((e as Error).message),
  )
  const store = limiterStore(ctx)
  assert.throws(
    () => store.init({ windowMs: -5 }),
    (e: unknown) => e instanceof RangeError && /express-rate-limit's windowMs/.test((e as Error).message),
  )
  await rejects(store.increment(42 as never), TypeError, /key must be a string/)
  const spread = new RedisCache({ redis: ctx.storeClient(), buckets: 4 })
  assert.throws(
    () => new RateLimitStore({ cache: spread }),
    (e: unknown) => e instanceof RangeError && /one bucket/.test((e as Error).message),
  )
  await spread.close()
})

// Inside express-rate-limit 8, in a real Express 5 app over HTTP.

function app(store: RateLimitStore, options: Parameters<typeof rateLimit>[0] = {}) {
  const made = express()
  made.use(
    rateLimit({
      windowMs: 1000,
      limit: 3,
      standardHeaders: 'draft-6',
      legacyHeaders: false,
      keyGenerator: (req) => String(req.headers['x-client'] ?? 'anonymous'),
      store,
      ...options,
    }),
  )
  made.get('/', (_req, res) => {
    res.send('ok')
  })
  made.get('/fail', (_req, res) => {
    res.status(500).send('failed')
  })
  return made
}

async function listening(ctx: Context, made: ReturnType<typeof express>) {
  const server = made.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  ctx.cleanup.push(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('express-rate-limit: 429 past the limit with the RateLimit headers, and a new window after windowMs', async (ctx) => {
  const url = await listening(ctx, app(limiterStore(ctx)))
  for (let i = 1; i <= 3; i++) {
    const ok = await request(url).get('/').set('x-client', 'a')
    assert.is(ok.status, 200)
    assert.is(ok.headers['ratelimit-limit'], '3')
    assert.is(ok.headers['ratelimit-remaining'], String(3 - i))
    const reset = Number(ok.headers['ratelimit-reset'])
    assert.ok(reset >= 0 && reset <= 1, `RateLimit-Reset ${reset}`)
  }
  const limited = await request(url).get('/').set('x-client', 'a')
  assert.is(limited.status, 429)
  assert.is(limited.headers['ratelimit-remaining'], '0')
  assert.is((await request(url).get('/').set('x-client', 'b')).status, 200, 'another client has its own window')
  await sleep(1100)
  const again = await request(url).get('/').set('x-client', 'a')
  assert.is(again.status, 200, 'a new window')
  assert.is(again.headers['ratelimit-remaining'], '2')
})

test('express-rate-limit: skipFailedRequests takes failed requests back (decrement)', async (ctx) => {
  const store = limiterStore(ctx)
  const url = await listening(ctx, app(store, { limit: 2, windowMs: 10_000, skipFailedRequests: true }))
  for (let i = 0; i < 5; i++) assert.is((await request(url).get('/fail').set('x-client', 'c')).status, 500)
  await sleep(50) // express-rate-limit takes the hit back once the response has finished
  assert.is((await store.get('c'))?.totalHits, 0, 'every failed request taken back')
  assert.is((await request(url).get('/').set('x-client', 'c')).status, 200)
  assert.is((await request(url).get('/').set('x-client', 'c')).status, 200)
  assert.is((await request(url).get('/').set('x-client', 'c')).status, 429)
})

test('express-rate-limit: 64 concurrent clients on one key, exactly the limit admitted', async (ctx) => {
  const store = limiterStore(ctx)
  const url = await listening(ctx, app(store, { limit: 10, windowMs: 30_000 }))
  const statuses = await Promise.all(
    Array.from({ length: 64 }, () =>
      request(url)
        .get('/')
        .set('x-client', 'crowd')
        .then((res) => res.status),
    ),
  )
  assert.is(statuses.filter((s) => s === 200).length, 10)
  assert.is(statuses.filter((s) => s === 429).length, 54)
  assert.is((await store.get('crowd'))?.totalHits, 64)
})

test("resetAll() forgets every client's hits of its limiter from the index (no SCAN), other limiters untouched", async (ctx) => {
  const logins = limiterStore(ctx, { namespace: 'logins' })
  const api = limiterStore(ctx, { namespace: 'api' })
  logins.init({ windowMs: 60_000 })
  api.init({ windowMs: 60_000 })
  for (let i = 0; i < 30; i++) {
    await logins.increment(`client-${i}`)
    await api.increment(`client-${i}`)
  }
  await ctx.admin.config('RESETSTAT')
  await logins.resetAll()
  for (let i = 0; i < 30; i++) {
    assert.is(await logins.get(`client-${i}`), undefined)
    assert.is((await api.get(`client-${i}`))?.totalHits, 1)
  }
  const info = await ctx.admin.info('commandstats')
  assert.not.match(info, /cmdstat_scan:/, 'resetAll reads the index, not the keyspace')
  assert.is((await logins.increment('client-0')).totalHits, 1)
})

test.run()
