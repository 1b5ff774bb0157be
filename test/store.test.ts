/**
 * The seed's own test file (guides/redis_cache_store_backend.md), ported, plus the basic
 * contract of each call.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { once } from 'node:events'
import * as assert from 'uvu/assert'
import type { Redis } from 'ioredis'
import { ANY, CacheOperationError, type CacheDecodeError, REST, RedisCache, type Key } from '../src/index.js'
import { redisSuite, rejects, sleep, snapshot, oneBucket, onSingle } from './helpers.js'

const test = redisSuite('store')
const config = { namespace: 'test', ttl: 3_600_000 }

/** The members of an index, decoded the way the seed's redix_zmembers_decoded does. */
async function indexMembers(admin: import('ioredis').Redis, prefix: string): Promise<string[]> {
  return (await admin.zrangebyscore(`{test}:${prefix}:#`, '-inf', '+inf')).sort()
}

test('can put, get and delete records', async ({ cache }) => {
  const store = cache(config)
  assert.is(await store.get('key'), undefined)
  await store.put('key', 'value')
  assert.is(await store.get('key'), 'value')
  assert.is(await store.delete('key'), true)
  assert.is(await store.get('key'), undefined)
  assert.is(await store.delete('key'), false)
})

test('with writes: async', async ({ cache }) => {
  const store = cache({ ...config, writes: 'async' })
  assert.is(await store.get('key'), undefined)
  assert.is(await store.put('key', 'value'), undefined)
  await store.flush()
  assert.is(await store.get('key'), 'value')
  assert.is(await store.delete('key'), undefined)
  await store.flush()
  assert.is(await store.get('key'), undefined)
})

test('async writes resolve before Redis answered', async ({ cache, admin }) => {
  const store = cache({ ...config, writes: 'async' })
  await store.get('warm-up') // connected, so only the write itself is pending
  await admin.call('CLIENT', 'PAUSE', '300', 'WRITE')
  const started = Date.now()
  await store.put('key', 'value')
  assert.ok(Date.now() - started < 200, 'put waited for the paused server')
  await store.flush()
  assert.ok(Date.now() - started >= 250, 'flush did not wait for the write')
  assert.is(await store.get('key'), 'value')
})

oneBucket(test)('delete removes from redis sets', async ({ cache, admin }) => {
  const store = cache(config)
  await store.put(['namespace', 'key1'], 'value')
  await store.put(['namespace', 'key2'], 'value')
  assert.equal(await indexMembers(admin, 'namespace'), ['key1', 'key2'])
  await store.delete(['namespace', 'key1'])
  assert.equal(await indexMembers(admin, 'namespace'), ['key2'])
})

test('with redis errors: raises error (maxmemory)', async ({ cache, admin }) => {
  const store = cache(config)
  await store.get('warm-up')
  const [, previous] = (await admin.config('GET', 'maxmemory')) as [string, string]
  await admin.config('SET', 'maxmemory', '10')
  try {
    const error = await rejects(store.put('key', 'value'), CacheOperationError, /OOM command not allowed when used memory > 'maxmemory'/)
    assert.match(error.message, /put\('key'\)/)
    assert.is((error as CacheOperationError).operation, 'put')
    assert.is((error as CacheOperationError).key, 'key')
  } finally {
    await admin.config('SET', 'maxmemory', previous)
  }
  assert.is(await admin.dbsize(), 0)
})

test('under maxmemory a putMany, touch or put over existing data changes nothing', async ({ cache, admin }) => {
  const store = cache(config)
  await store.putMany([
    [['u', 1, 's', 'a'], 'old'],
    [['u', 1], 'user'],
  ])
  const before = await snapshot(admin)
  await admin.config('SET', 'maxmemory', '10')
  try {
    const error = await rejects(
      store.putMany([
        [['u', 1, 's', 'a'], 'new'],
        [['u', 1, 's', 'b'], 'new'],
        [['u', 2], 'x'],
      ]),
      CacheOperationError,
      /^redis-prefix-cache putMany\(\) failed for 3 of 3 records \(entries 0, 1, 2; none was written\): OOM/,
    )
    assert.equal((error as CacheOperationError).entries, [0, 1, 2])
    await rejects(store.put(['u', 1, 's', 'a'], 'new', { ttl: 5 }), CacheOperationError, /OOM/)
    await rejects(store.touch(['u', 1, 's', 'a'], 5), CacheOperationError, /OOM/)
    assert.equal(await snapshot(admin), before)
    // Reads and deletes still work under OOM.
    assert.equal(await store.all(['u', 1, 's', ANY]), [[['u', 1, 's', 'a'], 'old']])
    assert.is(await store.delete(['u', 1]), true)
  } finally {
    await admin.config('SET', 'maxmemory', '0')
  }
})

test('flush() waits for the async writes accepted before it was called, not for those made while it waits (it never ended under a steady stream)', async ({ cache }) => {
  const store = cache({ writes: 'async' })
  let stop = false
  let made = 0
  const stream = (async () => {
    while (!stop) {
      void store.put(['stream', made++], 'x'.repeat(100))
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  await sleep(100)
  const accepted = made
  const outcome = await Promise.race([store.flush().then(() => 'flushed'), sleep(3000).then(() => 'still waiting')])
  stop = true
  await stream
  await store.flush()
  assert.is(outcome, 'flushed')
  const values = await store.getMany(Array.from({ length: accepted }, (_, i) => ['stream', i]))
  assert.ok(
    values.every((value) => value === 'x'.repeat(100)),
    'every write accepted before flush() landed',
  )
})

test('close() called twice: neither call resolves before the pending async writes have landed', async ({ cache, admin }) => {
  const store = cache({ writes: 'async' })
  for (let i = 0; i < 300; i++) await store.put(['closing', i], 'x'.repeat(1000))
  const first = store.close()
  const second = store.close()
  await second
  assert.is((await admin.keys('*closing:[0-9]*')).length, 300, 'the second close() resolved before the writes landed')
  await first
  await rejects(store.put('late', 1), Error, /this store is closed/)
})

test('can put multiple records at once', async ({ cache }) => {
  const store = cache(config)
  await store.putMany([
    ['key1', '1'],
    ['key2', '2'],
  ])
  assert.is(await store.get('key1'), '1')
  assert.is(await store.get('key2'), '2')
})

test('can match fetch all', async ({ cache }) => {
  const store = cache(config)
  assert.equal(await store.all(ANY), [])
  for (let n = 1; n <= 11; n++) await store.put(`key${n}`, 'value')
  const items = await store.all(ANY)
  assert.ok(items.find(([key]) => key === 'key1'))
  assert.ok(items.find(([key]) => key === 'key2'))
  assert.is(items.length, 11)
  await store.put(['namespace', 'key'], 'value')
  await store.put(['namespace', 'key', 'key2'], 'value')
  assert.equal(await store.all(['namespace', ANY]), [[['namespace', 'key'], 'value']])
})

oneBucket(test)('records auto purge', async ({ cache, admin }) => {
  const store = cache({ ...config, ttl: 50 })
  await store.put('key', 'value')
  await store.putMany([
    ['key1', '1'],
    [['namespace', 'key2'], '2'],
  ])
  assert.is(await store.get('key'), 'value')
  assert.is(await store.get('key1'), '1')
  assert.is(await store.get(['namespace', 'key2']), '2')
  assert.equal(await indexMembers(admin, 'namespace'), ['key2'])
  await store.putMany([[['namespace', 'key3'], '3']], { ttl: 150 })
  assert.equal(await indexMembers(admin, 'namespace'), ['key2', 'key3'])
  await sleep(100)
  assert.is(await store.get('key'), undefined)
  assert.is(await store.get('key1'), undefined)
  assert.is(await store.get(['namespace', 'key2']), undefined)
  assert.is(await store.get(['namespace', 'key3']), '3')
  await store.putMany([[['namespace', 'key4'], '4']], { ttl: 100 })
  assert.equal(await indexMembers(admin, 'namespace'), ['key3', 'key4'])
  await sleep(150) // the seed sleeps 100 ms here, which races key4's own 100 ms ttl
  assert.is(await store.get(['namespace', 'key3']), undefined)
  assert.equal(await store.all(['namespace', ANY]), [])
  assert.equal(await indexMembers(admin, 'namespace'), [])
})

test('getMany answers in order, undefined where absent', async ({ cache }) => {
  const store = cache(config)
  await store.putMany([
    ['a', 1],
    [['b', 2], 'two'],
  ])
  assert.equal(await store.getMany(['a', 'missing', ['b', 2]]), [1, undefined, 'two'])
  assert.equal(await store.getMany([]), [])
})

test('has, ttl and touch', async ({ cache }) => {
  const store = cache({ namespace: 'test' })
  await store.put('forever', 1)
  await store.put('short', 2, { ttl: 60_000 })
  assert.is(await store.has('forever'), true)
  assert.is(await store.has('missing'), false)
  assert.is(await store.ttl('forever'), Infinity)
  const left = (await store.ttl('short')) as number
  assert.ok(left > 59_000 && left <= 60_000, `ttl ${left}`)
  assert.is(await store.ttl('missing'), undefined)
  assert.is(await store.touch('short', 5_000_000), true)
  assert.ok(((await store.ttl('short')) as number) > 4_900_000)
  assert.is(await store.touch('forever', 1000), true)
  assert.ok(((await store.ttl('forever')) as number) <= 1000)
  assert.is(await store.touch('short', Infinity), true)
  assert.is(await store.ttl('short'), Infinity)
  assert.is(await store.touch('missing', 1000), false)
})

oneBucket(test)('touch moves the record in every index (sliding sessions)', async ({ cache, admin }) => {
  const store = cache({ namespace: 'test', ttl: 100 })
  await store.put(['user', 1, 'session', 's'], 'x')
  assert.is(await store.touch(['user', 1, 'session', 's'], 60_000), true)
  await sleep(200)
  assert.equal(await store.all(['user', 1, 'session', ANY]), [[['user', 1, 'session', 's'], 'x']])
  for (const index of ['{test}:#', '{test}:user:#', '{test}:user:1:#', '{test}:user:1:session:#']) {
    const ttl = await admin.pttl(index)
    assert.ok(ttl > 59_000, `${index} pttl ${ttl}`)
  }
})

oneBucket(test)('records without ttl never expire, nor do their indexes', async ({ cache, admin }) => {
  const store = cache({ namespace: 'test' })
  await store.put(['a', 'b'], 1)
  assert.is(await admin.pttl('{test}:a:b'), -1)
  assert.is(await admin.pttl('{test}:a:#'), -1)
  assert.is(await admin.pttl('{test}:#'), -1)
  assert.equal(await admin.zrange('{test}:a:#', '0', '-1', 'WITHSCORES'), ['b', 'inf'])
})

/** Whether every index of the namespace expires exactly when its longest-lived member does. */
async function indexesExpireAtTop(admin: Redis, namespace: string): Promise<string[]> {
  const wrong: string[] = []
  for (const index of await admin.keys(`{${namespace}}:*#`)) {
    const top = await admin.zrange(index, '-1', '-1', 'WITHSCORES')
    const at = Number(await admin.call('PEXPIRETIME', index))
    if (top[1] === 'inf' ? at !== -1 : at !== Number(top[1])) wrong.push(`${index}: expires ${at}, top ${top[1]}`)
  }
  return wrong
}

oneBucket(test)("an index expires at its longest-lived member's expiry as writes move it down and up", async ({ cache, admin }) => {
  const store = cache({ namespace: 'test' })
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['a long record', () => store.put(['u', 1, 's', 'a'], 1, { ttl: 600_000 })],
    ['a shorter one beside it', () => store.put(['u', 1, 's', 'b'], 1, { ttl: 300_000 })],
    ['the longest rewritten shorter: the index follows it down', () => store.put(['u', 1, 's', 'a'], 1, { ttl: 60_000 })],
    [
      'both in one call, the top going down again',
      () =>
        store.putMany(
          [
            [['u', 1, 's', 'b'], 1],
            [['u', 1, 's', 'c'], 1],
          ],
          { ttl: 30_000 },
        ),
    ],
    ['one that never expires', () => store.put(['u', 1, 's', 'd'], 1, { ttl: Infinity })],
    ['it gets a ttl: the index expires again', () => store.put(['u', 1, 's', 'd'], 1, { ttl: 90_000 })],
    ['touch moves the top down', () => store.touch(['u', 1, 's', 'd'], 10_000)],
    ['a record that wins, added through add()', () => store.add(['u', 1, 's', 'e'], 1, { ttl: 900_000 })],
    ['delete of the top member', () => store.delete(['u', 1, 's', 'e'])],
    ['touch moves the top up', () => store.touch(['u', 1, 's', 'b'], 1_200_000)],
    ['touch moves it down again', () => store.touch(['u', 1, 's', 'b'], 5_000)],
    ['a never-expiring record touched to a ttl', () => store.put(['u', 1, 's', 'f'], 1, { ttl: Infinity }).then(() => store.touch(['u', 1, 's', 'f'], 2_000_000))],
    [
      'new indexes made by one call of records of several ttls: each expires at the longest, unread',
      () =>
        store.putMany([
          [['w', 1, 's', 'a'], 1, { ttl: 40_000 }],
          [['w', 1, 's', 'b'], 1, { ttl: 700_000 }],
          [['w', 1, 's', 'c'], 1, { ttl: 50_000 }],
        ]),
    ],
    [
      'a new index whose member is written twice in one call, lower the second time',
      () =>
        store.putMany([
          [['x', 1], 1, { ttl: 800_000 }],
          [['x', 1], 2, { ttl: 20_000 }],
        ]),
    ],
    ['a new index of a record that never expires', () => store.put(['y', 1], 1, { ttl: Infinity })],
  ]
  for (const [step, run] of steps) {
    await run()
    assert.equal(await indexesExpireAtTop(admin, 'test'), [], step)
  }
})

oneBucket(test)('clear removes this namespace and nothing else', async ({ cache, admin }) => {
  const store = cache({ namespace: 'test' })
  const other = cache({ namespace: 'other' })
  await store.putMany([
    ['a', 1],
    [['b', 1, 'c'], 2],
    [['b', 2], 3],
  ])
  await other.put(['b', 1, 'c'], 'kept')
  await admin.set('test:not-ours', 'kept')
  await admin.set('{test}', 'kept')
  assert.is(await store.clear(), 3)
  assert.equal(await store.all([REST]), [])
  assert.equal((await admin.keys('*')).sort(), ['test:not-ours', '{other}:#', '{other}:b:#', '{other}:b:1:#', '{other}:b:1:c', '{test}'].sort())
  assert.is(await other.get(['b', 1, 'c']), 'kept')
})

test('deleteAll of a prefix then ANY walks by rank until a longer key shows up, then by ZSCAN: exactly the matching records go', async ({ cache }) => {
  const store = cache({ namespace: 'test' })
  // 1,200 two-part records, and 300 longer keys under the same prefix whose expiries fall
  // among theirs (so they show up part-way through a walk by rank), over many pages.
  await store.putMany(
    Array.from({ length: 1200 }, (_, i): [Key, unknown] => [['m', i], i]),
    { ttl: 60_000 },
  )
  await store.putMany(
    Array.from({ length: 300 }, (_, i): [Key, unknown] => [['m', i, 'x'], i]),
    { ttl: 60_000 },
  )
  await store.putMany(
    Array.from({ length: 1200 }, (_, i): [Key, unknown] => [['m', i + 1200], i]),
    { ttl: 120_000 },
  )
  assert.is(await store.deleteAll(['m', ANY]), 2400)
  assert.is(await store.count(['m', REST]), 300)
  assert.equal((await store.keys(['m', ANY, 'x'])).length, 300)
  assert.ok((await store.verify()).ok)
  assert.is(await store.deleteAll(['m', REST]), 300)
  assert.is(await store.count([REST]), 0)
  assert.ok((await store.verify()).ok)
})

test('clear and deleteAll work over many pages', async ({ cache, admin }) => {
  const store = cache({ namespace: 'test' })
  const entries: Array<[[string, number, string, number], number]> = []
  for (let i = 0; i < 3000; i++) entries.push([['u', i % 7, 's', i], i])
  await store.putMany(entries)
  assert.is(await store.deleteAll(['u', 3, 's', ANY]), entries.filter(([[, u]]) => u === 3).length)
  assert.equal(await store.all(['u', 3, 's', ANY]), [])
  assert.is(await store.clear(), 3000 - entries.filter(([[, u]]) => u === 3).length)
  assert.is(await admin.dbsize(), 0)
})

onSingle(test)('close() quits a client the store created, not one passed in', async ({ server, client }) => {
  const own = new RedisCache({ redis: server.url })
  await own.put('k', 1)
  await own.close()
  const made = own.redis as Redis // a URL, and ioredis installed: an ioredis client
  if (made.status !== 'end') {
    await Promise.race([once(made, 'end'), sleep(2000).then(() => assert.unreachable('the client did not end'))])
  }
  await rejects(own.get('k'), Error, /closed/)
  const mine = client()
  const borrowed = new RedisCache({ redis: mine })
  await borrowed.put('k', 2)
  await borrowed.close()
  assert.is(mine.status, 'ready')
  assert.is(await mine.ping(), 'PONG')
})

onSingle(test)('ioredis options object and default namespace', async ({ server, admin }) => {
  const store = new RedisCache({ redis: { host: server.host, port: server.port } })
  try {
    await store.put('k', 1)
    assert.equal((await admin.keys('*')).sort(), ['{cache}:#', '{cache}:k'])
  } finally {
    await store.close()
  }
})

test.run()

// Types the user sees: checked by `tsc --noEmit` (npm test runs it first).
export function typeChecks(syncCache: RedisCache, asyncCache: RedisCache<'async'>) {
  const inferred = () => new RedisCache({ writes: 'async' })
  const fromAsync: () => RedisCache<'async'> = inferred
  const removedSync: Promise<boolean> = syncCache.delete('k')
  const removedAsync: Promise<undefined> = asyncCache.delete('k')
  const listed: Promise<Array<[import('../src/index.js').Key, unknown]>> = syncCache.all(['a', ANY])
  syncCache.on('error', (error: CacheOperationError | CacheDecodeError) => error.operation)
  // @ts-expect-error REST belongs to patterns, not keys
  void syncCache.get(['a', REST])
  // @ts-expect-error a function is not a key part
  void syncCache.put(['a', () => 1], 1)
  // @ts-expect-error a store typed 'async' must be given writes: 'async', or it would run in sync mode
  void new RedisCache<'async'>({ redis: 'redis://localhost' })
  // @ts-expect-error the same, with no options at all
  void new RedisCache<'async'>()
  const typedAsync: RedisCache<'async'> = new RedisCache<'async'>({ writes: 'async' })
  const typedSync: RedisCache<'sync'> = new RedisCache({ redis: 'redis://localhost' })
  // @ts-expect-error REST only last
  void syncCache.all([REST, 'a'])
  // @ts-expect-error an empty pattern matches nothing
  void syncCache.all([])
  // @ts-expect-error REST only last
  void syncCache.all(['a', REST, ANY])
  // A pattern kept in a variable: `as const` keeps its tuple type, or annotate it as a Pattern (README idiom).
  const id = 42
  const kept = ['user', id, ANY] as const
  void syncCache.all(kept)
  const annotated: import('../src/index.js').Pattern = ['user', id, REST]
  void syncCache.deleteAll(annotated)
  const widened = ['user', id, ANY]
  // @ts-expect-error without either, TypeScript widens it to an array that may be empty or hold REST anywhere
  void syncCache.all(widened)
  // @ts-expect-error an option the constructor does not know is a type error too
  void new RedisCache({ nameSpace: 'x' })
  const deep = [1, 2, 3]
  void syncCache.all([...deep, ANY])
  void syncCache.all([...deep, REST])
  interface User {
    id: number
    name: string
  }
  const user: User = { id: 1, name: 'x' }
  void syncCache.put(['by-user', user], 1)
  return [fromAsync, removedSync, removedAsync, listed, typedAsync, typedSync]
}
