/**
 * Listings while their index changes: SCAN's guarantee for all(), iterate(), keys(),
 * count() and deleteAll(). A record present from a listing's start to its end is returned
 * at least once (once, after the store drops ZSCAN's duplicates); one added or removed
 * meanwhile may or may not be. Each scenario changes the index between or during pages,
 * the way a live app does: a drain loop deleting what it lists, another client deleting,
 * records expiring (the page script's own prune), the index's hash table shrinking or
 * growing.
 *
 * A ZSCAN cursor promises nothing when it is scanned twice: a page script that cut a ZSCAN
 * page and scanned the same cursor again on the next call missed hundreds of these records
 * (each test here failed on it). With several buckets, each bucket's index is made a hash
 * table (zset-max-listpack-entries 16) as it is in production, where an index holds more
 * than 128 members; a small index (a listpack) comes back whole from ZSCAN.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { ANY, REST, type Key, type RedisCache } from '../src/index.js'
import { BUCKETS, redisSuite, sleep } from './helpers.js'

const test = redisSuite('listing under change')

test.before.each(async ({ admin }) => {
  if (BUCKETS > 1) await admin.config('SET', 'zset-max-listpack-entries', '16')
})
test.after.each(async ({ admin }) => {
  if (BUCKETS > 1) await admin.config('SET', 'zset-max-listpack-entries', '128')
})

const id = (key: Key) => JSON.stringify(key)

/** `n` records ['p', i] of `size`-byte values. */
async function fill(store: RedisCache, n: number, size = 10, from = 0, options: { ttl?: number } = {}): Promise<Key[]> {
  const keys: Key[] = Array.from({ length: n }, (_, i) => ['p', from + i])
  const value = 'v'.repeat(size)
  await store.putMany(
    keys.map((key) => [key, value]),
    options,
  )
  return keys
}

/** The keys of `expected` that `listed` lacks. */
function missing(expected: Key[], listed: Iterable<Key>): string[] {
  const seen = new Set<string>()
  for (const key of listed) seen.add(id(key))
  return expected.map(id).filter((k) => !seen.has(k))
}

for (const size of [10, 8 * 1024]) {
  test(`a drain loop (iterate and delete each record) over 3,000 records of ${size}-byte values returns every record, and leaves none`, async ({ cache }) => {
    const store = cache({ namespace: 'drain' })
    const keys = await fill(store, 3000, size)
    const listed: Key[] = []
    for await (const [key] of store.iterate(['p', ANY], { count: 10 })) {
      listed.push(key)
      await store.delete(key)
    }
    assert.equal(missing(keys, listed), [], 'records never returned')
    assert.is(listed.length, 3000, 'each record once')
    assert.is(await store.count(['p', REST]), 0)
  })
}

test('iterate(): records of the prefix deleted between pages (those the last page returned) hide none of the records that stay', async ({ cache }) => {
  const store = cache({ namespace: 'between' })
  const kept = await fill(store, 1000)
  await fill(store, 2000, 10, 1000)
  const listed: Key[] = []
  let page: Key[] = []
  for await (const [key] of store.iterate(['p', ANY], { count: 10 })) {
    listed.push(key)
    page.push(key)
    if (page.length === 10) {
      // Between pages: the records of the last page that go (['p', i] for i >= 1000).
      await store.deleteMany(page.filter((k) => (k as [string, number])[1] >= 1000))
      page = []
    }
  }
  assert.equal(missing(kept, listed), [], 'kept records never returned')
  assert.is(new Set(listed.map(id)).size, listed.length, 'no record twice')
})

test('all(), keys() and count(): another client deleting most records of the prefix meanwhile (the hash table shrinks) hides none of the records that stay', async ({ cache }) => {
  const store = cache({ namespace: 'others' })
  const other = cache({ namespace: 'others' })
  const kept = await fill(store, 2000)
  const doomed = await fill(store, 38_000, 10, 2000)
  let stop = false
  let deleted = 0
  const deleters = Array.from({ length: 8 }, async (_, w) => {
    for (let i = w * 100; !stop && i < doomed.length; i += 800) deleted += await other.deleteMany(doomed.slice(i, i + 100))
  })
  const done = Promise.all(deleters).then(() => (stop = true))
  try {
    let round = 0
    for (; !stop || round < 3; round++) {
      const all = await store.all(['p', ANY])
      assert.equal(
        missing(
          kept,
          all.map(([key]) => key),
        ),
        [],
        `all(), round ${round} (${deleted} deleted): kept records not returned`,
      )
      const keys = await store.keys(['p', ANY])
      assert.equal(missing(kept, keys), [], `keys(), round ${round} (${deleted} deleted): kept records not returned`)
      const counted = await store.count(['p', ANY])
      assert.ok(counted >= kept.length, `count(), round ${round}: ${counted} < ${kept.length}`)
    }
  } finally {
    stop = true
    await done
  }
  assert.ok(deleted > 0, 'the other client deleted records meanwhile')
})

test('records expiring during a listing (removed by the page script itself) hide none of the records that stay', async ({ cache }) => {
  const store = cache({ namespace: 'expiring' })
  const kept = await fill(store, 500)
  // Nine in ten records expire a third of a second into the listing, within 100 ms of each
  // other: each page prunes up to 1,000 of them, and the index's hash table shrinks.
  for (let i = 0; i < 4500; i += 500) await fill(store, 500, 10, 10_000 + i, { ttl: 300 + i / 50 })
  const listed: Key[] = []
  for await (const [key] of store.iterate(['p', ANY], { count: 10 })) {
    listed.push(key)
    if (listed.length % 10 === 0) await sleep(2)
  }
  assert.equal(missing(kept, listed), [], 'kept records never returned')
})

test("deleting only records already returned (the index's hash table shrinks under the cursor) hides none of the rest", async ({ cache }) => {
  const store = cache({ namespace: 'shrink' })
  const keys = await fill(store, 1500)
  for (let round = 0; round < 6; round++) {
    const listed: Key[] = []
    let done: Key[] = []
    for await (const [key] of store.iterate(['p', ANY], { count: 10, values: false })) {
      listed.push(key)
      done.push(key)
      if (done.length === 10) {
        // Half of a finished page goes: the table falls under 10% full and shrinks at once.
        await store.deleteMany(done.filter((_, i) => i % 2 === 0))
        done = []
      }
    }
    // Only records already returned were deleted: every record still stored was there throughout.
    assert.equal(missing(await store.keys(['p', ANY]), listed), [], `round ${round}: records there throughout and never returned`)
  }
  assert.ok((await store.count(['p', REST])) < keys.length / 10, 'the index shrank')
})

test('records added between pages (the hash table grows) hide none of the records there from the start, and none comes twice', async ({ cache }) => {
  const store = cache({ namespace: 'grow' })
  const first = await fill(store, 1000)
  const listed: Key[] = []
  let added = 0
  for await (const [key] of store.iterate(['p', ANY], { count: 10 })) {
    listed.push(key)
    if (listed.length % 10 === 0 && added < 4000) {
      await fill(store, 100, 10, 100_000 + added)
      added += 100
    }
  }
  assert.equal(missing(first, listed), [], 'records there from the start never returned')
  assert.is(new Set(listed.map(id)).size, listed.length, 'no record twice')
})

test('deleteAll() while another client adds and deletes records under the prefix leaves none of the records there from the start', async ({ cache }) => {
  const store = cache({ namespace: 'sweep' })
  const other = cache({ namespace: 'sweep' })
  const first = await fill(store, 3000)
  let stop = false
  const churn = (async () => {
    for (let i = 0; !stop; i++) {
      await other.put(['p', 50_000 + i], 'x')
      if (i % 2 === 0) await other.delete(['p', 50_000 + i - 1])
    }
  })()
  try {
    await store.deleteAll(['p', ANY])
  } finally {
    stop = true
    await churn
  }
  const left = await store.getMany(first)
  assert.equal(first.filter((_, i) => left[i] !== undefined).map(id), [], 'records there from the start and left behind')
})

test.run()
