/**
 * Limits: keys, patterns, batches and ttls past the documented bounds are RangeErrors naming
 * the bound, thrown before anything is sent; values and pages past them are split so that
 * no script call does unbounded work.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { ANY, LIMITS, REST, type Key } from '../src/index.js'
import { loadScript } from '../scripts/build/lua.js'
import { onSingle, oneBucket, redisSuite, rejects, sleep, snapshot, type Context } from './helpers.js'

const test = redisSuite('limits')

test('keys and patterns past the part and byte limits are RangeErrors; nothing is sent', async ({ cache, admin }) => {
  const store = cache()
  await store.put('kept', 1)
  const before = await snapshot(admin)
  const deep = Array.from({ length: LIMITS.keyParts + 1 }, (_, i) => i)
  const long = 'x'.repeat(LIMITS.keyBytes)
  const wide = 'é'.repeat(LIMITS.keyBytes / 2) // 2 bytes each in UTF-8
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['too many parts', () => store.put(deep, 1), /key has 33 parts; a key or pattern may have at most 32 \(LIMITS\.keyParts\)/],
    ['too many parts in getMany', () => store.getMany(['a', deep]), /keys\[1\] has 33 parts/],
    ['pattern too deep', () => store.all([...deep.slice(1), ANY]), /pattern has 33 parts/],
    ['key too long', () => store.put(['a', long], 1), /key is 16386 bytes encoded; a key or pattern may be at most 16384 \(LIMITS\.keyBytes\)/],
    ['UTF-8 bytes count', () => store.get(`${wide}x`), /key is 16385 bytes encoded/],
    ['pattern too long', () => store.deleteAll([long, 'y', REST]), /pattern is 16386 bytes/],
  ]
  for (const [name, call, message] of cases) {
    try {
      await rejects(call, RangeError, message)
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`)
    }
  }
  assert.equal(await snapshot(admin), before)
  // At the limits themselves, everything works.
  const deepest = deep.slice(1)
  await store.put(deepest, 'deep')
  assert.is(await store.get(deepest), 'deep')
  assert.equal(await store.all([...deepest.slice(0, -1), ANY]), [[deepest, 'deep']])
  await store.put(long.slice(2), 'long')
  assert.is(await store.get(long.slice(2)), 'long')
  assert.ok((await store.verify()).ok)
})

test('the longest ttl is accepted, and what ttl() answers for it touch() accepts again', async ({ cache }) => {
  const store = cache()
  await store.put('far', 1, { ttl: LIMITS.maxTtl })
  const left = await store.ttl('far')
  assert.ok(left !== undefined && left > LIMITS.maxTtl - 60_000 && left <= LIMITS.maxTtl, String(left))
  assert.is(await store.touch('far', left), true)
  assert.ok((await store.verify()).ok)
})

/** How many times a script ran since the last RESETSTAT (EVALSHA and EVAL). */
async function scriptCalls(admin: Context['admin']): Promise<number> {
  const stats = await admin.info('commandstats')
  return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
}

test('a page holds at most count records, even from a small index that ZSCAN returns whole', async ({ cache, admin }) => {
  const store = cache()
  const keys = Array.from({ length: 40 }, (_, i): Key => ['big', i])
  await store.putMany(keys.map((key) => [key, 'v'.repeat(1000)]))
  await admin.config('RESETSTAT')
  const seen: unknown[] = []
  for await (const [key] of store.iterate(['big', ANY], { count: 1 })) seen.push(key)
  assert.equal(
    seen.sort((a, b) => (a as number[])[1]! - (b as number[])[1]!),
    keys,
  )
  assert.ok((await scriptCalls(admin)) >= 40, `40 records in ${await scriptCalls(admin)} page calls`)
})

test('a page ends once its values pass LIMITS.pageBytes', async ({ cache, admin }) => {
  const store = cache()
  const big = 'x'.repeat(300 * 1024)
  await store.putMany(Array.from({ length: 12 }, (_, i): [Key, unknown] => [['blob', i], big]))
  await admin.config('RESETSTAT')
  const listed = await store.all(['blob', ANY])
  assert.is(listed.length, 12)
  // 12 values of 300 KiB in pages of at most 4 (the fourth passes 1 MiB): at least 3 calls.
  assert.ok((await scriptCalls(admin)) >= 3, `12 values of 300 KiB in ${await scriptCalls(admin)} page calls`)
})

test('a listing cut into small pages returns every record present throughout, while others come and go', async ({ cache }) => {
  const store = cache()
  const stable = Array.from({ length: 100 }, (_, i): Key => ['live', `stable-${i}`])
  await store.putMany(stable.map((key) => [key, 1]))
  let stop = false
  const churn = (async () => {
    for (let i = 0; !stop; i++) {
      await store.put(['live', `churn-${i % 30}`], i)
      if (i % 3 === 0) await store.delete(['live', `churn-${(i * 7) % 30}`])
    }
  })()
  try {
    for (const count of [1, 3, 7]) {
      const seen = new Set<string>()
      for await (const [key] of store.iterate(['live', ANY], { count })) seen.add((key as string[])[1]!)
      const missing = stable.filter((key) => !seen.has((key as string[])[1]!))
      assert.equal(missing, [], `count ${count}: stable records missed`)
    }
  } finally {
    stop = true
    await churn
  }
})

oneBucket(test)('a write prunes at most LIMITS.prunePerIndex expired members of an index per call', async ({ cache, admin }) => {
  assert.match(loadScript('put'), new RegExp(`local PRUNE_LIMIT = ${LIMITS.prunePerIndex}\\b`), 'the Lua bound is LIMITS.prunePerIndex')
  const store = cache()
  await store.put(['old', 'keep'], 1, { ttl: 60_000 }) // keeps the index alive
  // ttl long enough for the batch's calls (of LIMITS.batchRecords each) to land before any expires.
  await store.putMany(
    Array.from({ length: 5000 }, (_, i): [Key, unknown] => [['old', i], 1]),
    { ttl: 1500 },
  )
  await sleep(1600)
  assert.is(await admin.zcard('{cache}:old:#'), 5001)
  await store.put(['old', 'new'], 1, { ttl: 60_000 })
  assert.is(await admin.zcard('{cache}:old:#'), 5001 - LIMITS.prunePerIndex + 1)
  // Rescoring a member does not grow the index, and prunes nothing.
  await store.put(['old', 'new'], 2, { ttl: 60_000 })
  assert.is(await admin.zcard('{cache}:old:#'), 5001 - LIMITS.prunePerIndex + 1)
  // Later writes that add a member prune the rest, a bounded number each.
  for (let i = 0; i < 4; i++) await store.put(['old', `new${i}`], 1, { ttl: 60_000 })
  assert.is(await admin.zcard('{cache}:old:#'), 6)
  assert.ok((await store.verify()).ok)
})

/** Script calls and commands Redis logged as slower than the threshold set, with their duration in µs. */
async function slowCalls(admin: Context['admin']): Promise<string[]> {
  const log = (await admin.slowlog('GET', 1000)) as Array<[number, number, number, string[]]>
  await admin.slowlog('RESET')
  return log.map((entry) => `${entry[3].slice(0, 2).join(' ').slice(0, 60)} ${entry[2]} µs`)
}

onSingle(test)('no call holds Redis for long: at 200k records, every call of a list or a count runs in bounded script calls', async ({ cache, admin }) => {
  const N = 200_000
  const store = cache({ timeout: 60_000 })
  const checked = cache({ timeout: 60_000, eviction: 'checked' })
  await store.put('warm', 1) // scripts loaded, not timed
  await checked.get('warm')
  // 100 ms: a twelfth of what the smallest unbounded call took here (1.2 s; 5.7 s for
  // deleteMany), and four times what a bounded call takes on a busy 2-core machine. A call
  // that logs a slow entry runs once more and must be clean then: an unbounded call is slow
  // every time, a machine that stalled Redis once is not.
  await admin.config('SET', 'slowlog-log-slower-than', '100000')
  await admin.slowlog('RESET')
  const keys = Array.from({ length: N }, (_, i): Key => ['item', i])
  const fill = () => store.putMany(keys.map((key, i) => [key, i]))
  const count = async (records: AsyncIterable<unknown>) => {
    let n = 0
    for await (const _ of records) n++
    return n
  }
  // [name, the call, what must be in Redis before it (run untimed)]
  const calls: Array<[string, () => Promise<unknown>, (() => Promise<unknown>)?]> = [
    ['putMany', fill],
    ['getMany', async () => assert.is((await store.getMany(keys)).length, N)],
    ['getMany (checked)', async () => assert.is((await checked.getMany(keys)).filter((v) => v !== undefined).length, N)],
    ['iterate({ count: 1e9 })', async () => assert.is(await count(store.iterate(['item', ANY], { count: 1e9 })), N)],
    ['iterate({ count: 1e9, values: false })', async () => assert.is(await count(store.iterate(['item', ANY], { count: 1e9, values: false })), N)],
    ['keys', async () => assert.is((await store.keys(['item', ANY])).length, N)],
    ['count', async () => assert.is(await store.count(['item', ANY]), N)],
    ['verify({ count: 1e9 })', async () => assert.ok((await store.verify({ count: 1e9 })).ok)],
    ['deleteMany', async () => assert.is(await store.deleteMany(keys), N), fill],
    ['deleteMany (checked)', async () => assert.is(await checked.deleteMany(keys), N), fill],
  ]
  for (const [name, call, before] of calls) {
    let slow: string[] = []
    for (let attempt = 0; attempt < 2; attempt++) {
      if (before) await before()
      await admin.slowlog('RESET')
      await call()
      slow = await slowCalls(admin)
      if (slow.length === 0) break
    }
    assert.equal(slow, [], `${name}: Redis logged slow calls twice in a row`)
  }
})

test.run()
