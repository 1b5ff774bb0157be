/**
 * namespaceStats(): counts from the indexes, an expiry histogram, prefixes depth by depth,
 * sampled memory and a progress callback; and verify()'s progress callback, which the CLI's
 * progress bars follow.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { namespaceStats } from '../src/index.js'
import { redisSuite, rejects, sleep, snapshot } from './helpers.js'

const test = redisSuite('stats')

test('counts live records, those that never expire, expiries by horizon and prefixes by depth; writes nothing', async ({ cache, admin }) => {
  const store = cache({ ttl: 30 * 60_000 })
  for (let u = 0; u < 5; u++) for (let s = 0; s <= u; s++) await store.put(['user', u, 'session', `s${s}`], { u, s })
  await store.put(['config', 'a'], 1, { ttl: Infinity })
  await store.put(['config', 'b'], 1, { ttl: 30_000 })
  await store.put('solo', 1, { ttl: 2 * 86_400_000 })
  await store.put(['gone', 1], 1, { ttl: 20 })
  await sleep(60) // expired, still listed until pruned
  const before = await snapshot(admin)
  const pages: Array<[number, number]> = []
  const stats = await namespaceStats(store, { depth: 2, top: 3, onProgress: (seen, total) => pages.push([seen, total]) })
  assert.equal(await snapshot(admin), before, 'a read')
  assert.is(stats.records, 15 + 3)
  assert.is(stats.neverExpire, 1)
  assert.equal(
    stats.expiringWithin.map((h) => h.records),
    [1, 16, 16, 17, 17],
  )
  assert.equal(stats.prefixes[0], {
    depth: 1,
    distinct: 2,
    top: [
      { prefix: ['user'], records: 15 },
      { prefix: ['config'], records: 2 },
    ],
  })
  assert.equal(stats.prefixes[1]!.top, [
    { prefix: ['user', 4], records: 5 },
    { prefix: ['user', 3], records: 4 },
    { prefix: ['user', 2], records: 3 },
  ])
  assert.is(stats.prefixes[1]!.distinct, 5, 'a prefix has records under it: ["config", "a"] is a record, not a prefix')
  assert.ok(stats.memory.sampled === 18 && stats.memory.bytesPerRecord > 20, JSON.stringify(stats.memory))
  assert.is(stats.memory.estimatedBytes, stats.memory.bytesPerRecord * 18)
  // The walk ends at its total: the 18 live entries, plus the expired ['gone', 1] while an
  // index still lists it (with buckets, its index may hold nothing else and so expire whole).
  const [seen, total] = pages.at(-1)!
  assert.ok(pages.length >= 1 && seen === total && (total === 18 || total === 19), JSON.stringify(pages))
})

test('bad options are RangeErrors / TypeErrors before anything is sent', async ({ cache }) => {
  const store = cache()
  await rejects(namespaceStats(store, { depth: 0 }), RangeError, /options.depth must be a positive integer/)
  await rejects(namespaceStats(store, { onProgress: 1 as never }), TypeError, /options.onProgress must be a function/)
})

test('verify({ onProgress }) reports keys checked after each SCAN page, ending at the report total', async ({ cache }) => {
  const store = cache({ ttl: 60_000 })
  for (let i = 0; i < 300; i += 100) await store.putMany(Array.from({ length: 100 }, (_, j) => [['k', i + j], j] as [unknown[], number]) as never)
  const seen: number[] = []
  const report = await store.verify({ count: 20, onProgress: (n) => seen.push(n) })
  assert.ok(report.ok)
  assert.ok(seen.length > 3, `${seen.length} pages`)
  assert.equal(
    [...seen].sort((a, b) => a - b),
    seen,
    'never goes back',
  )
  assert.is(seen.at(-1), report.keysChecked)
  await rejects(store.verify({ onProgress: 'x' as never }), TypeError, /options.onProgress must be a function/)
})

test.run()
