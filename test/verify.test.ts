/**
 * verify({ repair }): finds each kind of disagreement between values and indexes, repairs it
 * atomically per record, and touches nothing outside the namespace.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { SeedCache } from '../scripts/baselines/seed-pipeline.js'
import { ANY, REST, type Key } from '../src/index.js'
import { redisSuite, rejects, sleep, snapshot, oneBucket, onSingle } from './helpers.js'

const test = redisSuite('verify')

const records: Array<[Key, string]> = [
  ['sid', 'a'],
  [['user', 1], 'b'],
  [['user', 1, 'session', 's1'], 'c'],
  [['user', 1, 'session', 's2'], 'd'],
]

test('a store used normally verifies clean', async ({ cache }) => {
  const store = cache({ ttl: 60_000 })
  await store.putMany(records)
  await store.put(['forever', 1], 'x', { ttl: Infinity })
  await store.touch(['user', 1, 'session', 's1'], 5_000)
  await store.delete(['user', 1, 'session', 's2'])
  await store.put(['short', 1], 'x', { ttl: 20 })
  await sleep(50)
  const report = await store.verify()
  assert.ok(report.ok, JSON.stringify(report))
  assert.ok(report.keysChecked > 5)
  assert.is(report.repaired, false)
})

oneBucket(test)(
  "an integration's set ({ns}:p1:...:pk:#name, as the session store keeps a user's sessions) is neither a record nor an index: verify passes it by, repair leaves it",
  async ({ cache, admin }) => {
    const store = cache({ ttl: 60_000 })
    await store.putMany(records)
    await store.put(['x', 'a#b'], 'a part with # inside is a record') // only a leading # is escaped: {cache}:x:a#b
    await admin.zadd('{cache}:user:1:#sid', Date.now() + 60_000, 's9') // no record s9 anywhere
    await admin.zadd('{cache}:#names', Date.now() + 60_000, 'n')
    const before = await snapshot(admin)
    const report = await store.verify({ repair: true })
    assert.ok(report.ok, JSON.stringify(report))
    assert.equal(await snapshot(admin), before)
    assert.is(await store.get(['x', 'a#b']), 'a part with # inside is a record')
  },
)

oneBucket(test)('index entries whose value is gone: found, then removed from every index', async ({ cache, admin }) => {
  const store = cache({ ttl: 60_000 })
  await store.putMany(records)
  await admin.del('{cache}:user:1:session:s1')
  const report = await store.verify()
  assert.not.ok(report.ok)
  assert.equal(
    report.orphanEntries.map((e) => [e.index, e.member]).sort(),
    [
      ['{cache}:#', 'user:1:session:s1'],
      ['{cache}:user:#', '1:session:s1'],
      ['{cache}:user:1:#', 'session:s1'],
      ['{cache}:user:1:session:#', 's1'],
    ].sort(),
  )
  assert.equal(report.orphanEntries[0]?.key, ['user', 1, 'session', 's1'])
  const repaired = await store.verify({ repair: true })
  assert.is(repaired.repaired, true)
  assert.equal(repaired.orphanEntries, report.orphanEntries, 'repair reports what verify() reported')
  assert.ok((await store.verify()).ok)
  assert.equal(await store.all(['user', 1, REST]), [[['user', 1, 'session', 's2'], 'd']])
  assert.is(await admin.zscore('{cache}:user:#', '1:session:s1'), null)
})

oneBucket(test)('verify() and verify({ repair: true }) report the same findings for the same damage, over many pages', async ({ cache, admin }) => {
  const damages: Array<[string, () => Promise<unknown>]> = [
    ['a value gone', () => admin.del('{cache}:user:1:item:4')],
    ['an index gone', () => admin.del('{cache}:user:1:#')],
    ['a member gone', () => admin.zrem('{cache}:user:2:item:#', '5')],
    ['the root index gone', () => admin.del('{cache}:#')],
    ['an index expiry off', () => admin.persist('{cache}:user:0:item:#')],
  ]
  const shape = (r: Awaited<ReturnType<ReturnType<typeof cache>['verify']>>) => ({
    keysChecked: r.keysChecked,
    orphanEntries: r.orphanEntries.map((e) => `${e.index} ${e.member}`).sort(),
    missingEntries: r.missingEntries.map((e) => `${e.valueKey} ${e.index}`).sort(),
    indexExpiry: r.indexExpiry.map((e) => e.index).sort(),
  })
  for (const [name, damage] of damages) {
    const findings = []
    for (const repair of [false, true]) {
      await admin.flushall()
      const store = cache()
      await store.putMany(
        Array.from({ length: 60 }, (_, i): [Key, unknown] => [['user', i % 3, 'item', i], i]),
        { ttl: 60_000 },
      )
      await damage()
      findings.push(shape(await store.verify({ repair, count: 7 })))
      if (repair) assert.ok((await store.verify()).ok, `${name}: repaired`)
    }
    assert.ok(findings[0]!.orphanEntries.length + findings[0]!.missingEntries.length + findings[0]!.indexExpiry.length > 0, `${name}: found`)
    assert.equal(findings[1], findings[0], `${name}: the same findings with and without repair`)
  }
})

oneBucket(test)('live values an index is missing: found, then listed again with their own expiry', async ({ cache, admin }) => {
  const store = cache({ ttl: 60_000 })
  await store.putMany(records)
  await store.put(['user', 1, 'session', 'forever'], 'e', { ttl: Infinity })
  await admin.zrem('{cache}:user:1:session:#', 's2', 'forever')
  await admin.zrem('{cache}:#', 'sid')
  const report = await store.verify()
  assert.equal(
    report.missingEntries.map((e) => [e.valueKey, e.index]).sort(),
    [
      ['{cache}:sid', '{cache}:#'],
      ['{cache}:user:1:session:forever', '{cache}:user:1:session:#'],
      ['{cache}:user:1:session:s2', '{cache}:user:1:session:#'],
    ].sort(),
  )
  assert.is(await store.all(['user', 1, 'session', ANY]).then((l) => l.length), 1)
  await store.verify({ repair: true })
  assert.ok((await store.verify()).ok)
  assert.equal(
    (await store.all(['user', 1, 'session', ANY])).map(([, v]) => v),
    ['e', 'c', 'd'],
  )
  assert.is(Number(await admin.zscore('{cache}:user:1:session:#', 's2')), Number(await admin.call('PEXPIRETIME', '{cache}:user:1:session:s2')))
  assert.is(await admin.zscore('{cache}:user:1:session:#', 'forever'), 'inf')
  assert.is(await admin.pttl('{cache}:user:1:session:#'), -1)
})

oneBucket(test)('indexes expiring before or after their longest-lived member: found, then corrected', async ({ cache, admin }) => {
  const store = cache({ ttl: 60_000 })
  await store.putMany(records)
  await store.put(['p', 1], 'never', { ttl: Infinity })
  await store.put(['q', 1], 'short', { ttl: 30_000 })
  await admin.pexpire('{cache}:user:1:session:#', 5_000)
  await admin.pexpire('{cache}:p:#', 60_000)
  await admin.persist('{cache}:user:#')
  await admin.pexpire('{cache}:q:#', 600_000) // outlives its only member
  const report = await store.verify()
  assert.equal(report.indexExpiry.map((e) => e.index).sort(), ['{cache}:p:#', '{cache}:q:#', '{cache}:user:#', '{cache}:user:1:session:#'])
  const never = report.indexExpiry.find((e) => e.index === '{cache}:p:#')
  assert.is(never?.longestLived, Infinity)
  await store.verify({ repair: true })
  assert.ok((await store.verify()).ok)
  assert.is(await admin.pttl('{cache}:p:#'), -1)
  assert.ok((await admin.pttl('{cache}:user:1:session:#')) > 55_000)
  assert.ok((await admin.pttl('{cache}:q:#')) <= 30_000)
})

onSingle(test)("the seed's algorithm leaves what verify reports (a short ttl shortens the index)", async ({ cache, client }) => {
  const redis = client()
  await new SeedCache({ redis, ttl: 60_000, layout: 'store' }).put(['user', 1, 'session', 'long'], 'v')
  await new SeedCache({ redis, ttl: 1_000, layout: 'store' }).put(['user', 1, 'session', 'short'], 'v')
  const report = await cache().verify()
  assert.ok(
    report.indexExpiry.some((e) => e.index === '{cache}:user:1:session:#'),
    JSON.stringify(report),
  )
})

oneBucket(test)('verify reads and repairs only its own namespace, over many SCAN pages', async ({ cache, admin }) => {
  const store = cache({ namespace: 'a*b' })
  const other = cache({ namespace: 'a' })
  const many = Array.from({ length: 1200 }, (_, i): [Key, number] => [['u', i % 40, i], i])
  await store.putMany(many)
  await other.putMany(many.slice(0, 50))
  await admin.set('{a*b}', 'not ours')
  await admin.set('a*b:x', 'not ours')
  await admin.del('{a}:u:1:1')
  const before = (await snapshot(admin)).filter((line) => !line.startsWith('{a*b}:'))
  const report = await store.verify({ repair: true, count: 100 })
  assert.ok(report.ok, JSON.stringify(report.orphanEntries.slice(0, 3)))
  assert.ok(report.keysChecked >= 1200)
  assert.equal(
    (await snapshot(admin)).filter((line) => !line.startsWith('{a*b}:')),
    before,
  )
  assert.not.ok((await other.verify()).ok, "the other namespace's damage was left alone")
  await rejects(store.verify({ repair: 'yes' as never }), TypeError, /options\.repair must be a boolean/)
})

test.run()
