/**
 * Bad input: each is refused with a TypeError or RangeError naming the argument, before
 * anything is sent, so Redis is byte for byte unchanged. Broken stored values: reads fail
 * with an error naming the key.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { Redis } from 'ioredis'
import * as assert from 'uvu/assert'
import { ANY, CacheDecodeError, REST, RedisCache, type CacheOperationError } from '../src/index.js'
import { redisSuite, rejects, snapshot, oneBucket, onSingle } from './helpers.js'

const test = redisSuite('input')

/** The first step of an iteration: where iterate() reports bad input. */
const first = (iterable: AsyncIterable<unknown>) => iterable[Symbol.asyncIterator]().next()

test('iterate() rejects bad input at its first step, never throws when called', async ({ cache }) => {
  const store = cache()
  let iterable: AsyncIterable<unknown> | undefined
  assert.not.throws(() => {
    iterable = store.iterate([REST, 1] as never)
  })
  await rejects(first(iterable!), TypeError, /pattern\[0\] is REST/)
  await store.close()
  assert.not.throws(() => {
    iterable = store.iterate([REST])
  })
  await rejects(first(iterable!), Error, /this store is closed/)
  await rejects(store.all([REST]), Error, /this store is closed/)
})

test('bad keys, patterns, ttls and values are refused before anything is sent', async ({ cache, admin }) => {
  const store = cache({ ttl: 1000 })
  await store.putMany([
    [['u', 1, 's', 'a'], 1],
    ['k', { x: 1 }],
  ])
  const noDefaultTtl = cache()
  await noDefaultTtl.has('x') // connected before the stats are reset
  const before = await snapshot(admin)
  await admin.config('RESETSTAT')
  const circular: Record<string, unknown> = {}
  circular.self = circular
  const cases: Array<[string, () => Promise<unknown>, new (...args: never[]) => Error, RegExp]> = [
    ['empty key', () => store.put([], 1), TypeError, /key must have at least one part/],
    ['undefined key', () => store.get(undefined as never), TypeError, /key must be .* got undefined/],
    ['NaN part', () => store.put(['a', NaN], 1), TypeError, /key\[1\] must be a finite number, got NaN/],
    ['function part', () => store.delete(['a', (() => 1) as never]), TypeError, /key\[1\] must be .* got function/],
    ['symbol part', () => store.has(Symbol('x') as never), TypeError, /key must be .* got Symbol\(x\)/],
    ['ANY in a key', () => store.put(['a', ANY as never], 1), TypeError, /key\[1\] is ANY/],
    ['REST in a key', () => store.touch(['a', REST as never], 10), TypeError, /key\[1\] is REST/],
    ['ANY as a key', () => store.ttl(ANY as never), TypeError, /key is ANY/],
    [
      'undefined in putMany',
      () =>
        store.putMany([
          ['ok', 1],
          [['a', undefined as never], 1],
        ]),
      TypeError,
      /entries\[1\]\[0\]\[1\] must be a key part/,
    ],
    ['not a pair', () => store.putMany([['ok', 1], ['x'] as never]), TypeError, /entries\[1\] must be a \[key, value\] pair/],
    ['getMany key', () => store.getMany(['ok', []]), TypeError, /keys\[1\] must have at least one part/],
    ['undefined value', () => store.put('a', undefined), TypeError, /value must not be undefined/],
    ['function value', () => store.put('a', { f: () => 1 }), TypeError, /value\.f is a function/],
    ['symbol in a Map', () => store.put('a', new Map([['k', Symbol('s')]])), TypeError, /is a symbol/],
    ['constructor entry', () => store.put('a', { a: { constructor: 'x' } }), TypeError, /value\.a has an entry named 'constructor'/],
    [
      'function in putMany',
      () =>
        store.putMany([
          ['ok', 1],
          ['b', [1, () => 2]],
        ]),
      TypeError,
      /entries\[1\]\[1\]: value\[1\] is a function/,
    ],
    ['ttl 0', () => store.put('a', 1, { ttl: 0 }), RangeError, /options\.ttl must be a positive integer of milliseconds/],
    ['ttl null', () => store.put('a', 1, { ttl: null as never }), RangeError, /options\.ttl .* got null/],
    ['ttl past 2^47', () => store.put('a', 1, { ttl: 2 ** 47 + 1 }), RangeError, /up to 2\^47/],
    ['touch without a ttl on a store without one', () => noDefaultTtl.touch(['u', 1, 's', 'a']), RangeError, /ttl must be given/],
    ['ttl -1', () => store.put('a', 1, { ttl: -1 }), RangeError, /options\.ttl/],
    ['ttl 1.5', () => store.putMany([['a', 1]], { ttl: 1.5 }), RangeError, /options\.ttl .* got 1\.5/],
    ['ttl NaN', () => store.touch('k', NaN), RangeError, /ttl must be a positive integer/],
    ['ttl too large', () => store.put('a', 1, { ttl: 2 ** 53 }), RangeError, /options\.ttl/],
    ['ttl string', () => store.put('a', 1, { ttl: '100' as never }), RangeError, /got "100"/],
    ['REST not last', () => store.all(['a', REST, 'b'] as never), TypeError, /pattern\[1\] is REST, which is allowed only as the last element/],
    ['REST alone', () => store.all(REST as never), TypeError, /write \[REST\]/],
    ['string pattern', () => store.deleteAll('a' as never), TypeError, /pattern must be ANY or an array/],
    ['empty pattern', () => store.all([] as never), TypeError, /pattern must have at least one element/],
    ['undefined in pattern', () => store.all(['a', undefined as never]), TypeError, /pattern\[1\]/],
    ['iterate count', () => first(store.iterate(['u', REST], { count: 0 })), RangeError, /options\.count must be a positive safe integer/],
    ['iterate pattern', () => first(store.iterate([REST, 1] as never)), TypeError, /pattern\[0\] is REST/],
  ]
  for (const [name, call, type, message] of cases) {
    try {
      await rejects(call, type, message)
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`)
    }
  }
  assert.equal(await snapshot(admin), before)
  const sent = (await admin.info('commandstats'))
    .split('\r\n')
    .filter((line) => line.startsWith('cmdstat_') && !/^cmdstat_(info|config|keys|dump|pexpiretime|cluster|command|replconf)\b/.test(line))
  assert.equal(sent, [], 'something was sent')
})

onSingle(test)('bad options are refused at construction', async ({ server }) => {
  const url = server.url
  assert.throws(() => new RedisCache({ redis: url, namespace: 'a{b' }), /options\.namespace must not contain '\{', '\}' or '#'/)
  assert.throws(() => new RedisCache({ redis: url, namespace: 'a#1' }), /options\.namespace must not contain/)
  assert.throws(
    () => new RedisCache({ redis: url, buckets: 0 }),
    (e: Error) => e instanceof RangeError && /options\.buckets must be an integer from 1 to 16384/.test(e.message),
  )
  assert.throws(() => new RedisCache({ redis: url, buckets: 1.5 }), /options\.buckets/)
  assert.throws(
    () => new RedisCache({ redis: url, bucketBy: 0 }),
    (e: Error) => e instanceof RangeError && /options\.bucketBy must be a positive integer/.test(e.message),
  )
  assert.throws(() => new RedisCache({ redis: url, namespace: '' }), /options\.namespace must not be empty/)
  assert.throws(() => new RedisCache({ redis: url, namespace: 5 as never }), /options\.namespace must be a string/)
  assert.throws(
    () => new RedisCache({ redis: url, ttl: 0 }),
    (e: Error) => e instanceof RangeError && /options\.ttl/.test(e.message),
  )
  assert.throws(() => new RedisCache({ redis: url, writes: 'later' } as never), /options\.writes must be 'sync' or 'async'/)
  assert.throws(() => new RedisCache({ redis: 'http://localhost' }), /redis:\/\/ or rediss:\/\/ URL/)
  assert.throws(() => new RedisCache({ redis: url, serializer: {} as never }), /options\.serializer must have stringify/)
  assert.throws(() => new RedisCache({ redis: { port: server.port, keyPrefix: 'app:' } }), /keyPrefix/)
  const prefixed = new Redis(url, { keyPrefix: 'app:', lazyConnect: true })
  try {
    assert.throws(() => new RedisCache({ redis: prefixed }), /ioredis keyPrefix/)
  } finally {
    prefixed.disconnect()
  }
})

onSingle(test)(
  "a node-redis 6 client or cluster with keyPrefix is refused with a TypeError naming keyPrefix (it was ignored: two tenants' stores shared records); a prefixed store writes nothing",
  async ({ server, admin }) => {
    const { createClient, createCluster } = await import('redis')
    const tenant = createClient({ url: server.url, keyPrefix: 'tenant1:' })
    tenant.on('error', () => undefined)
    await tenant.connect()
    try {
      const error = (() => {
        try {
          new RedisCache({ redis: tenant as never, namespace: 'x' })
        } catch (caught) {
          return caught as Error
        }
        return undefined
      })()
      assert.instance(error, TypeError)
      assert.match((error as Error).message, /options\.redis has a node-redis keyPrefix, which this store does not apply.*options\.namespace/)
      const cluster = createCluster({ rootNodes: [{ url: server.url }], keyPrefix: 'tenant1:' })
      assert.throws(
        () => new RedisCache({ redis: cluster as never }),
        (e: Error) => e instanceof TypeError && /node-redis keyPrefix/.test(e.message),
      )
      assert.is(await admin.dbsize(), 0)
    } finally {
      await tenant.close()
    }
  },
)

test('values round-trip: Date, Map, Set, bigint, nested objects, undefined inside objects, circular', async ({ cache }) => {
  const store = cache()
  const circular: Record<string, unknown> = { name: 'c' }
  circular.self = circular
  const values: unknown[] = [
    'text',
    '',
    0,
    -1.5,
    true,
    false,
    null,
    10n ** 30n,
    new Date(1234),
    new Map<unknown, unknown>([
      [1, 'a'],
      ['b', new Set([1, 2])],
    ]),
    new Set(['x', 1]),
    { a: { b: [1, { c: undefined }] }, d: undefined },
    [undefined, null],
    /re/g,
    '\uD800 lone',
    { __proto__x: 1 },
  ]
  for (const [i, value] of values.entries()) await store.put(['v', i], value)
  for (const [i, value] of values.entries()) assert.equal(await store.get(['v', i]), value, `value ${i}`)
  await store.put('circular', circular)
  const back = (await store.get('circular')) as Record<string, unknown>
  assert.is(back.self, back)
  const listed = await store.getMany(values.map((_, i) => ['v', i]))
  assert.equal(listed, values)
})

oneBucket(test)('a stored value that does not decode: get rejects naming it; all() and iterate() skip it, report it, and list the rest', async ({ cache, admin }) => {
  const store = cache()
  await store.putMany([
    [['bad', 1], 'ok'],
    [['bad', 2], 'ok'],
    [['bad', 3], 'ok'],
  ])
  await admin.set('{cache}:bad:2', '{"json": truncated')
  const error = (await rejects(store.get(['bad', 2]), CacheDecodeError, /get\(\[ 'bad', 2 \]\): the stored value of \[ 'bad', 2 \]/)) as CacheDecodeError
  assert.equal(error.key, ['bad', 2])
  assert.equal(error.record, ['bad', 2])
  await rejects(
    store.getMany([
      ['bad', 1],
      ['bad', 2],
    ]),
    CacheDecodeError,
    /getMany\(\): the stored value of \[ 'bad', 2 \] could not be decoded/,
  )

  const reported: Array<CacheOperationError | CacheDecodeError> = []
  store.on('error', (e) => reported.push(e))
  assert.equal(await store.all(['bad', ANY]), [
    [['bad', 1], 'ok'],
    [['bad', 3], 'ok'],
  ])
  const listed: unknown[] = []
  for await (const [key] of store.iterate(['bad', REST], { count: 1 })) listed.push(key)
  assert.equal(listed.sort(), [
    ['bad', 1],
    ['bad', 3],
  ])
  assert.is(reported.length, 2)
  const skipped = reported[0] as CacheDecodeError
  assert.instance(skipped, CacheDecodeError)
  assert.equal(skipped.record, ['bad', 2])
  assert.equal(skipped.key, ['bad', ANY], 'the error names the call by its pattern, the record apart')
  assert.match(skipped.message, /all\(\[ 'bad', Symbol\(redis-prefix-cache\.ANY\) \]\): the stored value of \[ 'bad', 2 \] could not be decoded/)
})

onSingle(test)('with no error listener, a skipped record is a process warning and does not fail flush()', async ({ cache, admin }) => {
  const store = cache()
  await store.putMany([
    [['w', 1], 'ok'],
    [['w', 2], 'ok'],
  ])
  await admin.set('{cache}:w:2', 'not superjson')
  const warnings: Error[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    assert.equal(await store.all(['w', ANY]), [[['w', 1], 'ok']])
    await new Promise((resolve) => setImmediate(resolve))
    assert.ok(warnings.some((w) => w.name === 'RedisPrefixCacheWarning' && /\[ 'w', 2 \] could not be decoded.*skipped/.test(w.message)))
    await store.flush()
  } finally {
    process.off('warning', onWarning)
  }
})

oneBucket(test)('stored payloads aimed at prototypes pollute nothing', async ({ cache, admin }) => {
  const store = cache()
  await store.put('p', 1)
  const payloads = [
    '{"json":{"__proto__":{"polluted":1}}}',
    '{"json":{"constructor":{"prototype":{"polluted":1}}}}',
    '{"json":{"a":1},"meta":{"values":{"__proto__.polluted":["undefined"]}}}',
    '{"json":{"a":1},"meta":{"values":{"constructor.prototype.polluted":["Date"]}}}',
    '{"json":[1],"meta":{"referentialEqualities":{"0":["__proto__.polluted"]}}}',
  ]
  for (const payload of payloads) {
    await admin.set('{cache}:p', payload)
    try {
      const value = (await store.get('p')) as Record<string, unknown>
      assert.is(Object.getPrototypeOf(value) === Object.prototype || Array.isArray(value) || value === null || typeof value !== 'object', true)
    } catch (error) {
      assert.instance(error, CacheDecodeError)
    }
    assert.is(({} as Record<string, unknown>).polluted, undefined, `polluted by ${payload}`)
    assert.is((Object.prototype as unknown as Record<string, unknown>).polluted, undefined)
  }
})

test.run()
