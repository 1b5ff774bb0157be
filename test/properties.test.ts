/**
 * Property-based tests (fast-check) against a real redis-server: random keys of every
 * allowed part type round-trip exactly and never collide; random invalid input is refused
 * with a TypeError or RangeError and leaves Redis byte for byte unchanged; random garbage
 * stored under our keys fails reads with an error naming the key and pollutes nothing.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import fc from 'fast-check'
import superjson from 'superjson'
import * as assert from 'uvu/assert'
import { ANY, CacheDecodeError, REST, type Key, type KeyPart } from '../src/index.js'
import { redisSuite, snapshot, oneBucket } from './helpers.js'

const test = redisSuite('properties')

const special = fc.constantFrom('', ':', '#', '%', '%3A', '{', '}', '{cache}', "'", "''", '!true', '@1', '~x', '1', '-1', '1n', '\n', '\0', '\uD800', '\uDC00', '🙂', '*', '\\')
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 8 }),
  special,
  fc.tuple(special, fc.string({ maxLength: 4 }), special).map((parts) => parts.join('')),
)
const leaf: fc.Arbitrary<KeyPart> = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
)
const part: fc.Arbitrary<KeyPart> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      text.filter((name) => !['__proto__', 'constructor', 'prototype'].includes(name)),
      leaf,
      { maxKeys: 3 },
    ),
  },
)
const key = fc.array(part, { minLength: 1, maxLength: 4 })

/** An identity for a key that does not use the store's encoding: types and values, -0 as 0, object entries sorted. */
function identity(value: unknown): string {
  if (typeof value === 'number') return `n:${Object.is(value, -0) ? 0 : value}`
  if (typeof value === 'bigint') return `b:${value}`
  if (typeof value === 'string') return `s:${JSON.stringify([...value].map((c) => c.charCodeAt(0)))}`
  if (value instanceof Date) return `d:${value.getTime()}`
  if (Array.isArray(value)) return `a:[${value.map(identity).join(',')}]`
  if (value && typeof value === 'object')
    return `o:{${Object.keys(value)
      .sort()
      .map((k) => `${identity(k)}=${identity((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return `v:${String(value)}`
}
/** What a key reads back as: -0 as 0, objects with a null prototype as plain objects. */
const normalize = (value: unknown): unknown => {
  if (Object.is(value, -0)) return 0
  if (Array.isArray(value)) return value.map(normalize)
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]))
  }
  return value
}

test('random keys of every part type round-trip through put, get, all and iterate; distinct keys never collide', async ({ cache, admin }) => {
  const store = cache({ namespace: 'prop' })
  await fc.assert(
    fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 15 }), async (keys) => {
      await admin.flushall()
      await store.putMany(keys.map((k, i): [Key, number] => [k, i]))
      const last = new Map<string, number>()
      keys.forEach((k, i) => last.set(identity(k), i))
      for (const k of keys) assert.is(await store.get(k), last.get(identity(k)))
      const listed = await store.all([REST])
      assert.is(listed.length, last.size, 'one record per distinct key')
      for (const [k, value] of listed) {
        const parts = Array.isArray(k) && (k.length > 1 || Array.isArray(k[0])) ? k : [k]
        assert.is(last.get(identity(parts)), value)
        assert.equal(parts, normalize(keys[value as number]))
      }
      let iterated = 0
      for await (const [k, value] of store.iterate([REST], { count: 5 })) {
        iterated++
        assert.is(last.get(identity(Array.isArray(k) && (k.length > 1 || Array.isArray(k[0])) ? k : [k])), value)
      }
      assert.is(iterated, last.size)
    }),
    { numRuns: 60 },
  )
})

const invalidPart = fc.constantFrom<unknown>(
  undefined,
  NaN,
  Infinity,
  -Infinity,
  () => 1,
  Symbol('s'),
  ANY,
  REST,
  new Date(NaN),
  new Map(),
  new Set(),
  { a: undefined },
  [1, undefined],
  { f: () => 1 },
  Object.create({ x: 1 }),
)
const invalidKey = fc.oneof(
  fc.constant<unknown>([]),
  invalidPart,
  fc.tuple(fc.array(part, { maxLength: 2 }), invalidPart, fc.array(part, { maxLength: 2 })).map(([a, bad, b]) => [...a, bad, ...b]),
)
const invalidPattern = fc.oneof(
  fc.constantFrom<unknown>([], REST, 'a', 1, null, undefined, [REST, 'a'], ['a', REST, ANY], [undefined]),
  fc
    .tuple(
      fc.array(part, { maxLength: 2 }),
      fc.constantFrom<unknown>(NaN, () => 1, Symbol('s'), undefined),
    )
    .map(([a, bad]) => [...a, bad, ANY]),
)
const invalidTtl = fc.oneof(
  fc.constantFrom<unknown>(0, -1, NaN, -Infinity, 2 ** 53, '100', null, true, {}),
  fc.double({ min: -1e6, max: 1e6 }).filter((x) => !Number.isInteger(x)),
  fc.integer({ max: 0 }),
)
const invalidValue = fc.oneof(
  fc.constantFrom<unknown>(undefined, () => 1, Symbol('v'), JSON.parse('{"__proto__": {}}'), { a: { constructor: 1 } }),
  fc.anything().map((v) => ({ v, f: () => 1 })),
  fc.anything().map((v) => [v, Symbol('s')]),
)

test('random invalid keys, patterns, ttls and values are refused, and Redis is byte for byte unchanged', async ({ cache, admin }) => {
  const store = cache({ namespace: 'prop', ttl: 60_000 })
  await store.putMany([
    [['user', 1, 'session', 's'], 'v'],
    ['k', { a: 1 }],
  ])
  const before = await snapshot(admin)
  const dbsize = await admin.dbsize()
  const refused = (error: unknown) => error instanceof TypeError || error instanceof RangeError
  await fc.assert(
    fc.asyncProperty(invalidKey, invalidPattern, invalidTtl, invalidValue, part, async (badKey, badPattern, badTtl, badValue, goodPart) => {
      const calls: Array<() => Promise<unknown>> = [
        () => store.put(badKey as Key, 1),
        () => store.get(badKey as Key),
        () => store.delete(badKey as Key),
        () => store.touch(badKey as Key, 1000),
        () =>
          store.putMany([
            [['ok', goodPart], 1],
            [badKey as Key, 2],
          ]),
        () => store.getMany([['ok'], badKey as Key]),
        () => store.all(badPattern as never),
        () => store.deleteAll(badPattern as never),
        () =>
          store
            .iterate(badPattern as never)
            [Symbol.asyncIterator]()
            .next(),
        () => store.put(['ok', goodPart], 1, { ttl: badTtl as number }),
        () => store.touch(['user', 1, 'session', 's'], badTtl as number),
        () => store.put(['ok', goodPart], badValue),
        () =>
          store.putMany([
            [['ok', goodPart], 1],
            [['ok', 2], badValue],
          ]),
      ]
      for (const call of calls) {
        let error: unknown
        try {
          await call()
        } catch (caught) {
          error = caught
        }
        assert.ok(refused(error), `not refused: ${String(error)}`)
      }
    }),
    { numRuns: 150 },
  )
  assert.is(await admin.dbsize(), dbsize)
  assert.equal(await snapshot(admin), before)
})

/** superjson's text of a value, or of its String() where superjson refuses it (entries named like prototype). */
function stringifiable(value: unknown): string {
  try {
    return superjson.stringify(value)
  } catch {
    return superjson.stringify(String(value))
  }
}

oneBucket(test)('garbage and truncated values stored under our keys fail reads naming the key, and pollute nothing', async ({ cache, admin }) => {
  const store = cache({ namespace: 'prop' })
  const hostile = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc
      .anything()
      .map(stringifiable)
      .chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))),
    fc.constantFrom(
      '{"json":{"__proto__":{"polluted":1}}}',
      '{"json":{"a":{}},"meta":{"values":{"a.__proto__.polluted":["undefined"]}}}',
      '{"json":{"constructor":{"prototype":{"polluted":1}}},"meta":{"values":{"constructor.prototype.polluted":["Date"]}}}',
      '{"json":[{},{}],"meta":{"referentialEqualities":{"0":["1.__proto__"]}}}',
      '{"json":"x","meta":{"values":["class"]}}',
    ),
  )
  await store.put(['rec', 1], 'ok')
  // all() skips a record it cannot decode and reports it as an 'error' event.
  store.on('error', (error) => {
    assert.instance(error, CacheDecodeError)
    assert.equal((error as CacheDecodeError).record, ['rec', 1])
  })
  await fc.assert(
    fc.asyncProperty(hostile, async (payload) => {
      await admin.set('{prop}:rec:1', payload)
      for (const read of [() => store.get(['rec', 1]), () => store.all(['rec', ANY]), () => store.getMany([['rec', 1]])]) {
        try {
          await read()
        } catch (error) {
          assert.instance(error, CacheDecodeError)
          assert.match((error as Error).message, /\[ 'rec', 1 \]/)
        }
      }
      assert.is(({} as Record<string, unknown>).polluted, undefined)
      assert.is(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false)
    }),
    { numRuns: 300 },
  )
})

test.run()
