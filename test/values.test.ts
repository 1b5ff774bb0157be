/**
 * Values: every value the default serializer accepts comes back exactly (binary types
 * included); every value it cannot bring back exactly is refused with a TypeError before
 * anything is sent.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import fc from 'fast-check'
import * as assert from 'uvu/assert'
import { REST } from '../src/index.js'
import { superjsonSerializer, superjsonStringify } from '../src/values.js'
import { redisSuite, rejects, snapshot } from './helpers.js'

const test = redisSuite('values')

test('Buffer, ArrayBuffer and every typed array round-trip exactly, alone and nested, through get, getMany, all and iterate', async ({ cache }) => {
  const store = cache()
  const values: unknown[] = [
    Buffer.from('x'),
    Buffer.from([0, 255, 1, 128]),
    Buffer.alloc(0),
    new Uint8Array([1, 2, 3]),
    new Uint8ClampedArray([0, 255]),
    new Int8Array([-1, 1]),
    new Int16Array([-300]),
    new Uint16Array([65535]),
    new Int32Array([-70000]),
    new Uint32Array([4e9]),
    new Float32Array([1.5, -Infinity]),
    new Float64Array([Math.PI, Number.MAX_VALUE, Infinity, 5e-324]),
    new BigInt64Array([-(2n ** 63n), 1n]),
    new BigUint64Array([2n ** 64n - 1n]),
    new Uint8Array([9, 8, 7]).buffer,
    { blob: Buffer.from('payload'), inner: [new Uint16Array([1]), new Map([['b', Buffer.from('m')]])] },
    new URL('https://example.test/a?b=1'),
  ]
  for (const [i, value] of values.entries()) await store.put(['bin', i], value)
  for (const [i, value] of values.entries()) {
    const back = await store.get(['bin', i])
    assert.equal(back, value, `value ${i}`)
    assert.is(Object.getPrototypeOf(back), Object.getPrototypeOf(value), `value ${i} keeps its type`)
  }
  assert.ok(Buffer.isBuffer(await store.get(['bin', 0])))
  // -0 and NaN, which a JSON array of numbers loses (and which deep equality cannot tell).
  await store.put('floats', [new Float32Array([-0, NaN]), new Float64Array([-0, NaN])])
  for (const floats of (await store.get('floats')) as Float64Array[]) {
    assert.ok(Object.is(floats[0], -0) && Number.isNaN(floats[1]), String([...floats]))
  }
  assert.equal(await store.getMany(values.map((_, i) => ['bin', i])), values)
  assert.equal(
    (await store.all(['bin', REST])).map(([, v]) => v),
    values,
  )
  const iterated = new Map<number, unknown>()
  for await (const [key, value] of store.iterate(['bin', REST], { count: 2 })) iterated.set((key as [string, number])[1], value)
  assert.equal(
    values.map((_, i) => iterated.get(i)),
    values,
  )
})

test('values that would not come back as they were are refused with a TypeError, and nothing is written', async ({ cache, admin }) => {
  const store = cache()
  await store.put('kept', 1)
  const before = await snapshot(admin)
  class Session {
    user = 1
  }
  const cases: Array<[string, unknown, RegExp]> = [
    ['class instance', new Session(), /value is an instance of Session .*without its prototype/],
    ['nested class instance', { a: [new Session()] }, /value\.a\[0\] is an instance of Session/],
    ['WeakMap', new WeakMap(), /value is a WeakMap/],
    ['WeakSet in a Set', new Set([new WeakSet()]), /value \(Set entry 0\) is a WeakSet/],
    ['Promise', { p: Promise.resolve(1) }, /value\.p is a Promise/],
    ['Error', new Error('boom'), /value is an Error \(superjson keeps only its name and message\)/],
    ['TypeError', { e: new TypeError('t') }, /value\.e is an TypeError/],
    ['DataView', new DataView(new ArrayBuffer(2)), /value is a DataView/],
    ['boxed string', new String('s'), /value is an instance of String/],
  ]
  for (const [name, value, message] of cases) {
    try {
      await rejects(store.put(['v', name], value), TypeError, message)
      await rejects(
        store.putMany([
          ['ok', 1],
          [['v', name], value],
        ]),
        TypeError,
        /entries\[1\]\[1\]: /,
      )
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`)
    }
  }
  assert.equal(await snapshot(admin), before)
})

test('objects without a prototype, and plain objects from another realm of the same shape, are stored', async ({ cache }) => {
  const store = cache()
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 })
  await store.put('bare', bare)
  assert.equal({ ...((await store.get('bare')) as object) }, { a: 1 })
})

test('the plain-JSON fast path writes exactly what superjson writes, on random values and the edge cases', () => {
  const stringify = (value: unknown): string | undefined => {
    try {
      return superjsonSerializer.stringify(value)
    } catch (error) {
      if (error instanceof TypeError) return undefined // refused: no output to compare
      throw error
    }
  }
  const check = (value: unknown) => {
    const fast = stringify(value)
    if (fast !== undefined) assert.is(fast, superjsonStringify(value), String(fast))
  }
  const shared = { s: 1 }
  const circular: Record<string, unknown> = { a: 1 }
  circular.self = circular
  const edges: unknown[] = [
    -0,
    0,
    NaN,
    Infinity,
    -Infinity,
    1e21,
    5e-324,
    '',
    '\uD800',
    'é',
    [1, , 3],
    [],
    {},
    [[]],
    { '1': 'a', b: 2, '0': 3 },
    { 'a.b': 1 },
    { a: shared, b: shared },
    [shared, shared],
    circular,
    { a: undefined },
    [undefined],
    { n: -0 },
    [NaN],
    new Date(0),
    10n,
    Object.assign(Object.create(null) as object, { a: 1 }),
    { deep: { er: [{ x: null, y: true }] } },
    new Map([[1, 2]]),
    new Set([1]),
  ]
  for (const value of edges) check(value)
  fc.assert(fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withSparseArray: true, withNullPrototype: true, maxDepth: 4 }), check), {
    numRuns: 2000,
  })
  fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 2000 })
})

test.run()
