/**
 * Buckets on a single Redis: the layout of one bucket is unchanged, records spread over
 * bucket tags by a stable hash, patterns that fix the bucket's parts read one bucket, the
 * others read every bucket and merge. (The same store on a real cluster: cluster.test.ts.)
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { suite } from 'uvu'
import { BucketLayout, fnv1a } from '../src/buckets.js'
import { ANY, REST, type Key } from '../src/index.js'
import { compilePattern } from '../src/patterns.js'
import { redisSuite } from './helpers.js'

const unit = suite('bucket layout')

unit('FNV-1a 32 is the standard one (the bucket hash is a storage format)', () => {
  assert.is(fnv1a(''), 0x811c9dc5)
  assert.is(fnv1a('a'), 0xe40c292c)
  assert.is(fnv1a('foobar'), 0xbf9cf968)
})

unit('which buckets a pattern reads', () => {
  const layout = new BucketLayout('ns', 64, 2)
  const one = (pattern: unknown) => layout.bucketsOf(compilePattern(pattern)).length
  assert.is(one(['user', 42, 'session', ANY]), 1)
  assert.is(one(['user', 42, REST]), 1)
  assert.is(one(['user', 42]), 1)
  assert.is(one(['user']), 1, 'an exact key of fewer parts than bucketBy')
  assert.is(one(['user', ANY]), 64)
  assert.is(one(['user', REST]), 64)
  assert.is(one(ANY), 64)
  assert.is(layout.bucketsOf(compilePattern(['user', 42, 'session', ANY]))[0], layout.bucketOf(['user', '42', 'session', 'x']))
  assert.equal(new BucketLayout('ns', 1, 1).bases, ['{ns}:'])
  assert.is(new BucketLayout('ns', 8, 1).bases[3], '{ns#3}:')
  assert.is(new BucketLayout('a*b', 8, 1).match, '{a\\*b#*}:*')
})

unit.run()

const test = redisSuite('buckets')

test('records spread over bucket tags; a user and its sessions share one', async ({ cache, admin }) => {
  const store = cache({ buckets: 64, bucketBy: 2 })
  const records: Array<[Key, number]> = []
  for (let u = 0; u < 200; u++) records.push([['user', u], u], [['user', u, 'session', 'a'], u], [['user', u, 'session', 'b'], u])
  await store.putMany(records)
  const keys = await admin.keys('*')
  const tags = new Set(keys.map((key) => key.slice(0, key.indexOf('}') + 1)))
  assert.ok(tags.size > 50, `${tags.size} tags`)
  for (const tag of tags) assert.match(tag, /^\{cache#\d+\}$/)
  for (let u = 0; u < 200; u += 37) {
    const mine = keys.filter((key) => key.includes(`:user:${u}:`) || key.endsWith(`:user:${u}`))
    assert.is(new Set(mine.map((key) => key.slice(0, key.indexOf('}')))).size, 1, `user ${u} in one bucket`)
  }
  assert.equal(await store.all(['user', 7, 'session', ANY]), [
    [['user', 7, 'session', 'a'], 7],
    [['user', 7, 'session', 'b'], 7],
  ])
  const users = await store.all(['user', ANY])
  assert.is(users.length, 200)
  assert.equal(
    users.slice(0, 3).map(([key]) => key),
    [
      ['user', 0],
      ['user', 1],
      ['user', 2],
    ],
    'merged across buckets, sorted',
  )
  assert.equal(await store.getMany([['user', 5], ['user', 150], ['nobody'], ['user', 5, 'session', 'a']]), [5, 150, undefined, 5])
  let iterated = 0
  for await (const _ of store.iterate(['user', ANY, 'session', ANY], { count: 7 })) iterated++
  assert.is(iterated, 400)
  assert.ok((await store.verify()).ok)
  assert.is(await store.deleteAll(['user', ANY, 'session', 'a']), 200)
  assert.is(await store.deleteAll(['user', 3, REST]), 1)
  assert.ok((await store.verify()).ok)
  await admin.del(keys.find((key) => key.endsWith(':user:9'))!)
  assert.is((await store.verify()).orphanEntries.length > 0, true)
  await store.verify({ repair: true })
  assert.ok((await store.verify()).ok)
  assert.is(await store.clear(), 199 + 199, 'users but 9, and b sessions but user 3')
  assert.is(await admin.dbsize(), 0)
})

test('one bucket is the plain layout, whatever bucketBy says', async ({ cache, admin }) => {
  const store = cache({ buckets: 1, bucketBy: 3 })
  await store.put(['user', 1, 'session', 's'], 1)
  assert.equal((await admin.keys('*')).sort(), ['{cache}:#', '{cache}:user:#', '{cache}:user:1:#', '{cache}:user:1:session:#', '{cache}:user:1:session:s'])
})

test('a bucket per call: putMany writes each bucket in its own script call', async ({ cache, admin }) => {
  const store = cache({ buckets: 16 })
  await store.get('warm-up')
  await admin.config('RESETSTAT')
  await store.putMany(Array.from({ length: 100 }, (_, i): [Key, number] => [[`k${i}`, 1], i]))
  const stats = await admin.info('commandstats') // every master's, on a cluster
  const calls = [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  const buckets = new Set((await admin.keys('*')).map((key) => key.slice(0, key.indexOf('}')))).size
  assert.is(calls, buckets)
  assert.ok(buckets > 10)
})

test.run()
