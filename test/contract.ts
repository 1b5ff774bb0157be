/**
 * The store's contract, at the level of its API only (no look at the key layout), so the
 * same tests run on a single Redis and on a cluster, with one bucket or many. Used by
 * contract.test.ts (single Redis) and cluster.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ANY, REST, type RedisCache, type Key, type KeyPart, type RedisCacheOptions, type WriteMode } from '../src/index.js'

export interface Target {
  /** A store on the target with these options (the target supplies `redis`); closed by the suite. */
  cache<W extends WriteMode = 'sync'>(options?: Omit<RedisCacheOptions<W>, 'redis'>): RedisCache<W>
  /** Removes every key of every namespace the tests use. */
  reset(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function contractSuite(name: string, target: () => Target, storeOptions: Omit<RedisCacheOptions, 'redis'> = {}) {
  const test = suite(name)
  const stores: Array<RedisCache<WriteMode>> = []
  const cache = <W extends WriteMode = 'sync'>(options: Omit<RedisCacheOptions<W>, 'redis'> = {}) => {
    const store = target().cache<W>({ ...storeOptions, ...options } as Omit<RedisCacheOptions<W>, 'redis'>)
    stores.push(store as RedisCache<WriteMode>)
    return store
  }
  test.before.each(async () => {
    await target().reset()
  })
  test.after.each(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)))
  })

  const records: Array<[Key, string]> = [
    ['a', 'a'],
    [['b'], 'b'],
    [['a', 1], 'a1'],
    [['a', 2], 'a2'],
    [['a', 1, 'x'], 'a1x'],
    [['a', 1, 'x', 'deep'], 'a1xd'],
    [['b', 1, 'x'], 'b1x'],
    [['user', 42, 'session', 's1'], 'u42s1'],
    [['user', 42, 'session', 's2'], 'u42s2'],
    [['user', 43, 'session', 's3'], 'u43s3'],
    [['user', 42], 'u42'],
  ]
  const values = (listed: Array<[Key, unknown]>) => listed.map(([, value]) => value)

  test('put, get, has, ttl, touch, delete', async () => {
    const store = cache({ ttl: 60_000 })
    await store.put(['user', 1, 'session', 's'], { at: new Date(5) })
    assert.equal(await store.get(['user', 1, 'session', 's']), { at: new Date(5) })
    assert.is(await store.has(['user', 1, 'session', 's']), true)
    const ttl = (await store.ttl(['user', 1, 'session', 's'])) as number
    assert.ok(ttl > 59_000 && ttl <= 60_000)
    assert.is(await store.touch(['user', 1, 'session', 's'], Infinity), true)
    assert.is(await store.ttl(['user', 1, 'session', 's']), Infinity)
    assert.is(await store.delete(['user', 1, 'session', 's']), true)
    assert.is(await store.get(['user', 1, 'session', 's']), undefined)
    assert.is(await store.delete(['user', 1, 'session', 's']), false)
  })

  test('putMany and getMany keep order across buckets', async () => {
    const store = cache()
    const many = Array.from({ length: 300 }, (_, i): [Key, number] => [['k', i % 17, i], i])
    await store.putMany(many)
    const keys = many.map(([key]) => key).reverse()
    assert.equal(await store.getMany([...keys, ['missing']]), [...many.map(([, v]) => v).reverse(), undefined])
  })

  test('pattern semantics and order', async () => {
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
    assert.equal(values(await store.all(['a', ANY])), ['a1', 'a2'])
    assert.equal(values(await store.all([ANY, 1, ANY])), ['a1x', 'b1x'])
    assert.equal(values(await store.all(['user', 42, 'session', ANY])), ['u42s1', 'u42s2'])
    assert.equal(values(await store.all(['user', ANY, 'session', ANY])), ['u42s1', 'u42s2', 'u43s3'])
    assert.equal(values(await store.all(['a', REST])), ['a1', 'a1x', 'a1xd', 'a2'])
    assert.equal(values(await store.all(['user', 42, REST])), ['u42s1', 'u42s2'])
    assert.equal(values(await store.all([REST])).length, records.length)
    assert.equal(await store.all(['a', 1]), [[['a', 1], 'a1']])
  })

  test('iterate yields every match once', async () => {
    const store = cache()
    await store.putMany(Array.from({ length: 600 }, (_, i): [Key, number] => [['p', i % 3, i], i]))
    const seen = new Set<number>()
    for await (const [, value] of store.iterate(['p', ANY, ANY], { count: 20 })) seen.add(value as number)
    assert.is(seen.size, 600)
    const one = new Set<number>()
    for await (const [, value] of store.iterate(['p', 1, REST], { count: 20 })) one.add(value as number)
    assert.is(one.size, 200)
  })

  test('deleteAll and clear', async () => {
    const store = cache()
    await store.putMany(records)
    assert.is(await store.deleteAll(['user', ANY, 'session', ANY]), 3)
    assert.is(await store.deleteAll(['a', 1, REST]), 2)
    assert.equal(values(await store.all([REST])), ['a', 'a1', 'a2', 'b', 'b1x', 'u42'])
    assert.is(await store.clear(), 6)
    assert.equal(await store.all([REST]), [])
  })

  test('awkward key parts round-trip', async () => {
    const store = cache()
    const parts: KeyPart[] = ['', ':', '#', '{x}', '}', '%', '1', 1, 1n, true, null, new Date(7), { b: 1, a: [2] }, '\uD800', '🙂']
    await store.putMany(parts.map((part, i): [Key, number] => [[part, 'r', part], i]))
    for (const [i, part] of parts.entries()) assert.is(await store.get([part, 'r', part]), i)
    assert.is((await store.all([ANY, 'r', ANY])).length, parts.length)
  })

  test('async writes and flush', async () => {
    const store = cache({ writes: 'async' })
    for (let i = 0; i < 50; i++) await store.put(['w', i], i)
    await store.delete(['w', 0])
    await store.flush()
    assert.is((await store.all(['w', ANY])).length, 49)
  })

  test('results are sorted part by part, across types and buckets', async () => {
    const store = cache()
    const date = new Date(0)
    const keys: Key[] = [
      ['k', 'b'],
      ['k', 'a'],
      ['k', 10],
      ['k', 9],
      ['k', 2n],
      ['k', true],
      ['k', null],
      ['k', date],
      ['k', [1]],
      ['k', { a: 1 }],
      ['k', 'a', 'z'],
    ]
    await store.putMany(keys.map((key, i) => [key, i]))
    assert.equal(
      (await store.all(['k', REST])).map(([key]) => key),
      [
        ['k', null],
        ['k', true],
        ['k', 2n],
        ['k', 9],
        ['k', 10],
        ['k', date],
        ['k', 'a'],
        ['k', 'a', 'z'],
        ['k', 'b'],
        ['k', [1]],
        ['k', { a: 1 }],
      ],
    )
  })

  test('values round-trip: Date, Map, Set, bigint, nested objects, undefined inside objects', async () => {
    const store = cache()
    const value = { d: new Date(3), m: new Map([[1, new Set(['x'])]]), b: 2n ** 70n, n: { u: undefined, a: [null, 1.5] } }
    await store.put(['v', 1], value)
    assert.equal(await store.get(['v', 1]), value)
    assert.equal(await store.all(['v', ANY]), [[['v', 1], value]])
  })

  test('records expire: get, all and indexes forget them; touch slides them', async () => {
    const store = cache({ ttl: 150 })
    await store.putMany([
      [['user', 1, 'session', 'a'], 1],
      [['user', 1, 'session', 'b'], 2],
    ])
    await store.put(['user', 1, 'session', 'c'], 3, { ttl: 60_000 })
    await sleep(50)
    assert.is(await store.touch(['user', 1, 'session', 'a'], 60_000), true)
    await sleep(200)
    assert.is(await store.get(['user', 1, 'session', 'b']), undefined)
    assert.equal(
      (await store.all(['user', 1, 'session', ANY])).map(([, v]) => v),
      [1, 3],
    )
    assert.ok((await store.verify()).ok)
  })

  test('racing writes from several connections leave nothing for verify()', async () => {
    const stores = Array.from({ length: 6 }, () => cache())
    const until = Date.now() + 1500
    await Promise.all(
      stores.map(async (store, w) => {
        for (let i = 0; Date.now() < until; i++) {
          const key: Key = ['u', i % 3, 's', (i * 7 + w) % 5]
          if (i % 3 === 0) await store.delete(key)
          else if (i % 3 === 1)
            await store.putMany(
              [
                [key, i],
                [['u', i % 3], w],
              ],
              { ttl: 10 + (i % 200) },
            )
          else await store.deleteAll(['u', ANY, 's', (i + w) % 5])
        }
      }),
    )
    await sleep(10)
    const report = await stores[0]!.verify()
    assert.ok(report.ok, JSON.stringify(report).slice(0, 400))
  })

  return test
}
