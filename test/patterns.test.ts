/**
 * Pattern semantics (Pow's ETS backend, plus REST), result order, and that patterns are
 * answered from prefix indexes without scanning the keyspace.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { ANY, REST, type Key } from '../src/index.js'
import { redisSuite, oneBucket } from './helpers.js'

const test = redisSuite('patterns')

const records: Array<[Key, string]> = [
  ['a', 'a'],
  [['b'], 'b'],
  [['a', 1], 'a1'],
  [['a', 2], 'a2'],
  [['a', 1, 'x'], 'a1x'],
  [['a', 1, 'x', 'deep'], 'a1xd'],
  [['a', 2, 'y'], 'a2y'],
  [['b', 1, 'x'], 'b1x'],
  [['user', 42, 'session', 's1'], 'u42s1'],
  [['user', 42, 'session', 's2'], 'u42s2'],
  [['user', 43, 'session', 's3'], 'u43s3'],
  [['user', 42], 'u42'],
]

const values = (listed: Array<[Key, unknown]>) => listed.map(([, value]) => value)

test('ANY alone and [ANY] match single-part keys only', async ({ cache }) => {
  const store = cache()
  await store.putMany(records)
  assert.equal(await store.all(ANY), [
    ['a', 'a'],
    ['b', 'b'],
  ])
  assert.equal(await store.all([ANY]), [
    ['a', 'a'],
    ['b', 'b'],
  ])
})

test('array patterns match keys of exactly that many parts, ANY at any position', async ({ cache }) => {
  const store = cache()
  await store.putMany(records)
  assert.equal(values(await store.all(['a', ANY])), ['a1', 'a2'])
  assert.equal(values(await store.all([ANY, 1])), ['a1'])
  assert.equal(values(await store.all([ANY, ANY, 'x'])), ['a1x', 'b1x'])
  assert.equal(values(await store.all([ANY, 1, ANY])), ['a1x', 'b1x'])
  assert.equal(values(await store.all(['a', ANY, 'x'])), ['a1x'])
  assert.equal(values(await store.all(['user', 42, 'session', ANY])), ['u42s1', 'u42s2'])
  assert.equal(values(await store.all(['user', ANY, 'session', ANY])), ['u42s1', 'u42s2', 'u43s3'])
  assert.equal(values(await store.all([ANY, ANY, ANY, ANY])), ['a1xd', 'u42s1', 'u42s2', 'u43s3'])
  assert.equal(values(await store.all(['a', '1'])), [], "the string '1' is not the number 1")
  assert.equal(values(await store.all(['nothing', ANY])), [])
})

test('a pattern without wildcards is the one record it names', async ({ cache }) => {
  const store = cache()
  await store.putMany(records)
  assert.equal(await store.all(['a', 1]), [[['a', 1], 'a1']])
  assert.equal(await store.all(['a']), [['a', 'a']])
  assert.equal(await store.all(['a', 3]), [])
})

test('REST matches one or more further parts, however deep', async ({ cache }) => {
  const store = cache()
  await store.putMany(records)
  assert.equal(values(await store.all(['a', REST])), ['a1', 'a1x', 'a1xd', 'a2', 'a2y'])
  assert.equal(values(await store.all(['a', 1, REST])), ['a1x', 'a1xd'])
  assert.equal(values(await store.all(['user', 42, REST])), ['u42s1', 'u42s2'])
  assert.equal(values(await store.all([ANY, 1, REST])), ['a1x', 'a1xd', 'b1x'])
  assert.equal(values(await store.all([REST])).length, records.length)
  assert.equal(values(await store.all(['a', 1, 'x', 'deep', REST])), [])
})

test('results are sorted part by part, across types', async ({ cache }) => {
  const store = cache()
  const date = new Date(0)
  const keys: Key[] = [
    ['k', 'b'],
    ['k', 'a'],
    ['k', 'B'],
    ['k', ''],
    ['k', 10],
    ['k', 9],
    ['k', 2n],
    ['k', 1.5],
    ['k', -3],
    ['k', 2],
    ['k', true],
    ['k', false],
    ['k', null],
    ['k', date],
    ['k', [1, 2]],
    ['k', [1]],
    ['k', { a: 1 }],
    ['k', 'a', 'z'],
    ['k', 10n],
    ['k', '10'],
  ]
  await store.putMany(keys.map((key, i) => [key, i]))
  const listed = (await store.all(['k', REST])).map(([key]) => key)
  assert.equal(listed, [
    ['k', null],
    ['k', false],
    ['k', true],
    ['k', -3],
    ['k', 1.5],
    ['k', 2],
    ['k', 2n],
    ['k', 9],
    ['k', 10],
    ['k', 10n],
    ['k', date],
    ['k', ''],
    ['k', '10'],
    ['k', 'B'],
    ['k', 'a'],
    ['k', 'a', 'z'],
    ['k', 'b'],
    ['k', [1]],
    ['k', [1, 2]],
    ['k', { a: 1 }],
  ])
})

test('iterate yields every match once, in pages of about count', async ({ cache }) => {
  const store = cache()
  const many: Array<[Key, number]> = Array.from({ length: 1000 }, (_, i) => [['p', i % 3, i], i])
  await store.putMany(many)
  const seen = new Set<number>()
  for await (const [key, value] of store.iterate(['p', 1, ANY], { count: 25 })) {
    assert.equal((key as unknown[])[1], 1)
    seen.add(value as number)
  }
  assert.is(seen.size, many.filter(([, i]) => i % 3 === 1).length)
  const exact: unknown[] = []
  for await (const entry of store.iterate(['p', 1, 4])) exact.push(entry)
  assert.equal(exact, [[['p', 1, 4], 4]])
})

oneBucket(test)('deleteAll removes exactly the matches, and their index entries', async ({ cache, admin }) => {
  const store = cache()
  await store.putMany(records)
  assert.is(await store.deleteAll(['user', ANY, 'session', ANY]), 3)
  assert.equal(values(await store.all(['user', REST])), ['u42'])
  assert.is(await admin.exists('{cache}:user:42:session:#'), 0)
  assert.equal(await admin.zrange('{cache}:user:#', '0', '-1'), ['42'])
  assert.is(await store.deleteAll(['a', 1]), 1)
  assert.is(await store.deleteAll(['a', 1]), 0)
  assert.is(await store.deleteAll(ANY), 2)
  assert.equal(values(await store.all([REST])), ['a1x', 'a1xd', 'a2', 'a2y', 'b1x', 'u42'])
})

test('no scan: all, iterate, deleteAll and clear never use SCAN or KEYS', async ({ cache, admin }) => {
  const store = cache()
  await store.putMany(Array.from({ length: 2000 }, (_, i): [Key, number] => [['u', i % 10, 's', i], i]))
  await admin.config('RESETSTAT')
  await store.all(['u', 3, 's', ANY])
  await store.all(ANY)
  for await (const _ of store.iterate(['u', ANY, 's', ANY], { count: 50 })) void _
  await store.deleteAll(['u', 4, REST])
  await store.clear()
  const stats = (await admin.info('commandstats')).split('\r\n')
  assert.ok(
    stats.some((line) => line.startsWith('cmdstat_evalsha:') || line.startsWith('cmdstat_eval:')),
    'the scripts ran',
  )
  assert.equal(
    stats.filter((line) => /^cmdstat_(scan|keys):/.test(line)),
    [],
  )
})

test.run()
