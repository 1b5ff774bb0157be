/**
 * Expiry events (watch): 'expired' and 'evicted' with each record's decoded key, for this
 * namespace's records only, on a single Redis and on the cluster suite; the notification
 * setting checked or set; and Redis's limits shown: an event comes when Redis removes the
 * key, not at its ttl, and events while the subscriber is disconnected are lost.
 * (A master's failover: cluster.test.ts.)
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { CacheOperationError, type RedisCache, type Key } from '../src/index.js'
import { onIoredis, onSingle, redisSuite, rejects, sleep, type Context } from './helpers.js'

const test = redisSuite('expiry', ['--enable-debug-command', 'local'])

test.after.each(async ({ admin }) => {
  await admin.config('SET', 'notify-keyspace-events', '')
})

/** Collects a store's expiry events. */
function collect(store: RedisCache): { expired: Key[]; evicted: Key[] } {
  const seen = { expired: [] as Key[], evicted: [] as Key[] }
  store.on('expired', (key) => seen.expired.push(key))
  store.on('evicted', (key) => seen.evicted.push(key))
  return seen
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) return
    await sleep(20)
  }
}

const byJson = (keys: Key[]) => keys.map((key) => JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort()

test('watch() rejects, naming the CONFIG SET line, when notifications are off; configureNotifications sets them', async ({ cache, admin }) => {
  await admin.config('SET', 'notify-keyspace-events', 'Kg')
  const store = cache()
  const error = await rejects(store.watch(), CacheOperationError, /Run CONFIG SET notify-keyspace-events (\w+) on it/)
  const suggested = /CONFIG SET notify-keyspace-events (\w+)/.exec(error.message)![1]!
  assert.equal([...suggested].sort(), [...'KgExe'].sort(), 'what was there, plus what is needed')
  assert.match(error.message, /notify-keyspace-events is '(Kg|gK)'/)
  await admin.config('SET', 'notify-keyspace-events', 'Kg')
  await store.watch({ configureNotifications: true })
  const [, flags] = (await admin.config('GET', 'notify-keyspace-events')) as string[]
  for (const flag of 'KgEex') assert.ok(flags!.includes(flag), `flags ${flags}`)
  await store.unwatch()
})

/** The process warnings emitted while `run` runs (and a moment after). */
async function warningsDuring(run: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = []
  const onWarning = (warning: Error) => seen.push(warning)
  process.on('warning', onWarning)
  try {
    await run()
    await sleep(50) // warnings are emitted on the next tick
  } finally {
    process.off('warning', onWarning)
  }
  return seen
}

test("notify-keyspace-events Ex (expired only, as most guides set it): 'expired' events arrive; 'evicted' is said once, with the line to run; refused only when nothing listened for can come", async ({
  cache,
  admin,
}) => {
  await admin.config('SET', 'notify-keyspace-events', 'Ex')
  const store = cache()
  const expired: Key[] = []
  store.on('expired', (key) => expired.push(key))
  const quiet = await warningsDuring(() => store.watch())
  assert.equal(
    quiet.filter((w) => /evicted/.test(w.message)),
    [],
    'nobody listens for evicted: nothing to say',
  )
  await store.put(['a', 1], 'x', { ttl: 50 })
  await until(() => expired.length === 1)
  assert.equal(expired, [['a', 1]])
  // A first 'evicted' listener, after watch(): said once, naming the line; a second listener says nothing more.
  const said = await warningsDuring(async () => {
    store.on('evicted', () => undefined)
    store.on('evicted', () => undefined)
  })
  const evicted = said.filter((w) => /evicted/.test(w.message))
  assert.is(evicted.length, 1, said.map((w) => w.message).join('\n'))
  assert.match(evicted[0]!.message, /sends expired events but not evicted ones \(notify-keyspace-events is '(Ex|xE)'\): run CONFIG SET notify-keyspace-events (Exe|xEe) on it/)
  assert.is((evicted[0] as Error & { code?: string }).code, 'REDIS_PREFIX_CACHE_NO_EVICTED_EVENTS')
  await store.unwatch()

  // Listening for both before watch(): it watches, and says so at once.
  const both = cache({ namespace: 'both' })
  both.on('expired', () => undefined)
  both.on('evicted', () => undefined)
  const atOnce = await warningsDuring(() => both.watch())
  assert.is(atOnce.filter((w) => /not evicted ones/.test(w.message)).length, 1)
  await both.unwatch()

  // Listening for 'evicted' only: nothing it listens for can come, so watch() refuses, naming the flag.
  const evictions = cache({ namespace: 'evictions' })
  evictions.on('evicted', () => undefined)
  await rejects(evictions.watch(), CacheOperationError, /'evicted' events need \(notify-keyspace-events is '(Ex|xE)'\)\. Run CONFIG SET notify-keyspace-events (Exe|xEe) on it/)

  // Nothing at all on: refused; listening for 'expired' only, the line adds only what it needs.
  await admin.config('SET', 'notify-keyspace-events', '')
  const off = cache({ namespace: 'off' })
  off.on('expired', () => undefined)
  await rejects(off.watch(), CacheOperationError, /Run CONFIG SET notify-keyspace-events Ex on it/)
})

test("expired: one event per record of this namespace, with its exact key; none for its indexes, an integration's set or another namespace", async ({ cache, admin }) => {
  await admin.config('SET', 'notify-keyspace-events', 'Exe')
  const store = cache()
  const seen = collect(store)
  await store.watch()
  const other = cache({ namespace: 'other' })
  const keys: Key[] = [['user', 42, 'session', 's1'], [7n, new Date(5), { a: 1, b: [true, null] }], 'solo', ['user', 'a:b%c']]
  await store.putMany(
    keys.map((key) => [key, 1]),
    { ttl: 100 },
  )
  await store.put(['user', 42], 'stays', { ttl: 60_000 })
  // A set the session store keeps beside records ({ns}:p1:...:pk:#name, layout.ts), in the same bucket.
  const [valueKey] = (await admin.keys('*:user:42:session:s1')) as [string]
  const set = `${valueKey.slice(0, valueKey.indexOf('}:') + 2)}user:42:#sid`
  await admin.zadd(set, Date.now() + 100, 's1')
  await admin.pexpire(set, 100)
  await other.putMany(
    [
      ['user', 1],
      ['x', 2],
    ].map((key) => [key as Key, 1]),
    { ttl: 100 },
  )
  await until(() => seen.expired.length >= keys.length)
  await sleep(300) // anything more would have arrived by now
  assert.is(await admin.exists(set), 0, 'the set expired too')
  assert.equal(byJson(seen.expired), byJson(keys))
  assert.instance((seen.expired.find((k) => Array.isArray(k) && typeof k[0] === 'bigint') as unknown[])[1], Date, 'parts come back with their types')
  assert.equal(seen.evicted, [])
  assert.is(await store.get(['user', 42]), 'stays')
})

onSingle(test)('evicted: records removed under maxmemory are reported with their keys', async ({ cache, admin }) => {
  await admin.config('SET', 'notify-keyspace-events', 'Exe')
  const store = cache({ ttl: 600_000 })
  const seen = collect(store)
  await store.watch()
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  await admin.config('SET', 'maxmemory-policy', 'allkeys-random')
  await admin.config('SET', 'maxmemory', String(used + 1_000_000))
  try {
    for (let i = 0; i < 3000; i += 100) {
      await store.putMany(Array.from({ length: 100 }, (_, j): [Key, unknown] => [['blob', i + j], 'x'.repeat(1000)]))
    }
  } finally {
    await admin.config('SET', 'maxmemory', '0')
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
  }
  await until(() => seen.evicted.length > 100)
  assert.ok(seen.evicted.length > 100, `${seen.evicted.length} evicted events`)
  assert.ok(seen.evicted.every((key) => Array.isArray(key) && key[0] === 'blob' && typeof key[1] === 'number'))
})

/** A watched store on a server whose active expiry is off: a key expires when it is read. */
async function lazyExpiryOnly(ctx: Context, run: (store: RedisCache, seen: ReturnType<typeof collect>) => Promise<void>): Promise<void> {
  await ctx.admin.config('SET', 'notify-keyspace-events', 'Exe')
  await ctx.admin.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
  try {
    const store = ctx.cache()
    const seen = collect(store)
    await store.watch()
    await run(store, seen)
  } finally {
    await ctx.admin.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')
  }
}

onSingle(test)('an event comes when Redis removes the key (here: when it is read), which can be long after its ttl', (ctx) =>
  lazyExpiryOnly(ctx, async (store, seen) => {
    await store.put('late', 1, { ttl: 20 })
    await sleep(400)
    assert.equal(seen.expired, [], 'no event while nothing removed the key')
    assert.is(await store.get('late'), undefined) // the read removes it
    await until(() => seen.expired.length > 0)
    assert.equal(seen.expired, ['late'])
  }),
)

onSingle(onIoredis(test))('at most once: events while the subscriber is disconnected are lost; it resubscribes and later ones arrive', (ctx) =>
  lazyExpiryOnly(ctx, async (store, seen) => {
    const lost: Key[] = Array.from({ length: 20 }, (_, i) => ['lost', i])
    await store.putMany(
      lost.map((key) => [key, 1]),
      { ttl: 20 },
    )
    await sleep(50)
    // Disconnect the subscriber, and have the keys removed before it is back (ioredis retries after 50 ms;
    // node-redis reconnects at once, so on node-redis this outage is too short to stage: ioredis only).
    await ctx.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    await Promise.all(lost.map((key) => store.has(key)))
    await sleep(500) // resubscribed by now
    await store.put('later', 1, { ttl: 20 })
    await sleep(50)
    await store.has('later')
    await until(() => seen.expired.length > 0)
    assert.equal(seen.expired, ['later'], 'the events of the outage never arrive')
  }),
)

test('unwatch() and close() end the subscription', async ({ cache, admin }) => {
  await admin.config('SET', 'notify-keyspace-events', 'Exe')
  const store = cache()
  const seen = collect(store)
  await store.watch()
  await store.watch() // once is enough
  const subscribers = async () =>
    String(await admin.client('LIST'))
      .split('\n')
      .filter((line) => /sub=[1-9]/.test(line)).length
  // A subscriber may still be in the server's CLIENT LIST for a moment after unwatch() or
  // close() has resolved: the server frees a client after it has answered QUIT (or read a close).
  const subscribersLeft = async () => {
    let left = await subscribers()
    for (let i = 0; i < 25 && left > 0; i++) {
      await sleep(20)
      left = await subscribers()
    }
    return left
  }
  assert.ok((await subscribers()) >= 1)
  await store.unwatch()
  assert.is(await subscribersLeft(), 0, 'no subscriber within half a second of unwatch()')
  await store.put('gone', 1, { ttl: 20 })
  await sleep(300)
  await store.has('gone')
  await sleep(100)
  assert.equal(seen.expired, [])
  await store.watch()
  assert.ok((await subscribers()) >= 1)
  await store.close()
  assert.is(await subscribersLeft(), 0, 'no subscriber within half a second of close()')
  await rejects(store.watch(), Error, /this store is closed/)
})

test.run()
