/**
 * Limits: keys, patterns, batches and ttls past the documented bounds are RangeErrors naming
 * the bound, thrown before anything is sent; values and pages past them are split so that
 * no script call does unbounded work.
 */
import * as assert from 'uvu/assert'
import { ANY, LIMITS, REST, type Key } from '../src/index.js'
import { redisSuite, rejects, snapshot } from './helpers.js'

const test = redisSuite('limits')

test('keys and patterns past the part and byte limits, and batches past the putMany limits, are RangeErrors; nothing is sent', async ({ cache, admin }) => {
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
    ['UTF-8 bytes count', () => store.get(wide + 'x'), /key is 16385 bytes encoded/],
    ['pattern too long', () => store.deleteAll([long, 'y', REST]), /pattern is 16386 bytes/],
    ['putMany records', () => store.putMany(Array.from({ length: LIMITS.putManyRecords + 1 }, (_, i) => [i, i] as [Key, unknown])), /entries has 10001 records; putMany takes at most 10000 \(LIMITS\.putManyRecords\)/],
    ['putMany parts', () => store.putMany(Array.from({ length: 2000 }, (_, i) => [Array.from({ length: 26 }, () => i), i] as [Key, unknown])), /more than 50000 key parts .* reached at entries\[1923\]/],
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

test.run()
