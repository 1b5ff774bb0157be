/**
 * Key parts: exact, injective encoding, and awkward parts round-tripping through Redis.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { suite } from 'uvu'
import fc from 'fast-check'
import { decodePart, encodePart, isPlainString, type KeyPart, PLAIN_STRING_PATTERN } from '../src/parts.js'
import { ANY, REST } from '../src/index.js'
import { redisSuite } from './helpers.js'

const awkward: KeyPart[] = [
  '',
  ' ',
  '1',
  '-1',
  '1n',
  '01',
  '1e3',
  '!true',
  '!null',
  '@5',
  '~x',
  "'",
  "''",
  '#',
  '#x',
  'a#',
  '%',
  '%25',
  '%3A',
  ':',
  'a:b',
  '::',
  '{',
  '}',
  '{cache}',
  'a}b{c',
  '\n',
  '\r\n',
  '\t',
  '\0',
  'é',
  '日本',
  '🙂',
  '\uD83D',
  '\uDE42',
  'a\uD800b',
  '\uDFFF\uD800',
  'true',
  'null',
  'NaN',
  'Infinity',
  '*',
  '?',
  '[a-z]',
  '\\',
  '"',
  'u%uD800',
  0,
  1,
  -1,
  1.5,
  -0.25,
  1e21,
  1e-7,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  0n,
  1n,
  -1n,
  2n ** 100n,
  true,
  false,
  null,
  new Date(0),
  new Date(-1),
  new Date(8.64e15),
  [],
  [1, '1', 1n],
  { a: 1, b: [true, null] },
  { 'a:b': '%', '': { x: new Date(3) } },
  [{ z: 1n }],
  {},
]

const unit = suite('parts')

unit('every awkward part round-trips exactly, with its type', () => {
  for (const part of awkward) {
    const encoded = encodePart(part, 'part')
    assert.not.ok(encoded.includes(':'), `${JSON.stringify(String(part))} encoded with a ':'`)
    assert.ok(encoded.length > 0)
    assert.ok(encoded !== '#', 'a part encoded as the index marker')
    assert.equal(decodePart(encoded), part, `round trip of ${String(part)}`)
  }
})

unit('no two different parts share an encoding', () => {
  const seen = new Map<string, KeyPart>()
  for (const part of awkward) {
    const encoded = encodePart(part, 'part')
    const other = seen.get(encoded)
    assert.ok(other === undefined, `${String(part)} and ${String(other)} both encode as ${encoded}`)
    seen.set(encoded, part)
  }
  assert.is.not(encodePart('1', 'p'), encodePart(1, 'p'))
  assert.is.not(encodePart(1, 'p'), encodePart(1n, 'p'))
  assert.is.not(encodePart('\uD800', 'p'), encodePart('\uFFFD', 'p'))
})

unit('encodings are readable where they can be', () => {
  assert.is(encodePart('user', 'p'), 'user')
  assert.is(encodePart('session-id_42', 'p'), 'session-id_42')
  assert.is(encodePart(42, 'p'), '42')
  assert.is(encodePart(42n, 'p'), '42n')
  assert.is(encodePart('42', 'p'), '%342')
  assert.is(encodePart('a:b', 'p'), 'a%3Ab')
  assert.is(encodePart(true, 'p'), '!true')
})

unit("entries named '__proto__', 'constructor' or 'prototype' are refused, not dropped", () => {
  for (const text of ['{"__proto__": {"x": 1}}', '{"a": {"constructor": 1}}', '{"prototype": 1}']) {
    assert.throws(
      () => encodePart(JSON.parse(text), 'p'),
      (e: Error) => e instanceof TypeError && /superjson refuses/.test(e.message),
      text,
    )
  }
  assert.is(({} as Record<string, unknown>).x, undefined)
})

unit('objects with the same entries in another order are the same part; -0 is 0', () => {
  assert.is(encodePart({ a: 1, b: { c: 2, d: 3 } }, 'p'), encodePart({ b: { d: 3, c: 2 }, a: 1 }, 'p'))
  assert.is(encodePart(-0, 'p'), encodePart(0, 'p'))
})

unit('parts that are not allowed are TypeErrors naming where', () => {
  const bad: Array<[unknown, RegExp]> = [
    [undefined, /part must be .* got undefined/],
    [NaN, /part must be a finite number, got NaN/],
    [Infinity, /finite number/],
    [() => 1, /got function/],
    [Symbol('s'), /got Symbol\(s\)/],
    [ANY, /Symbol\(redis-prefix-cache.ANY\)/],
    [new Date(NaN), /invalid Date/],
    [new Map(), /plain object, got Map/],
    [{ a: undefined }, /part\.a must be .* got undefined/],
    [{ a: [1, () => 1] }, /part\.a\[1\] must be/],
    [[REST], /part\[0\] must be/],
    [{ a: NaN }, /part\.a must be a finite number/],
  ]
  const circular: Record<string, unknown> = {}
  circular.self = circular
  bad.push([circular, /circular/])
  // eslint-disable-next-line no-sparse-arrays
  bad.push([[1, , 2], /sparse/])
  for (const [part, message] of bad) {
    assert.throws(
      () => encodePart(part, 'part'),
      (error: Error) => error instanceof TypeError && message.test(error.message),
      String(message),
    )
  }
})

unit('a string is its own encoding exactly when the pattern says so (the loop of the per-request path and the regular expression agree)', () => {
  const reserved = fc.constantFrom('', '0', '9', '-', '!', '@', '~', "'", '#', '%', ':', '\uD800', '\uDC00', '\uD83D\uDE00', 'a', 'é', ' ')
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.array(reserved).map((parts) => parts.join('')),
    fc.tuple(reserved, fc.string()).map(([a, b]) => a + b),
  )
  fc.assert(
    fc.property(text, (value) => isPlainString(value) === PLAIN_STRING_PATTERN.test(value)),
    { numRuns: 5000 },
  )
})

unit('a string part is written exactly as the stored format says (the one-pass escape of the per-request path against the format written with regular expressions)', () => {
  // The format of a string part as parts.ts's header states it, in regular expressions (as
  // earlier releases wrote it): data written by them must read back the same.
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
  const hex = (code: number, width: number) => code.toString(16).toUpperCase().padStart(width, '0')
  const byFormat = (value: string) => {
    if (value === '') return "''"
    const escaped = value
      .replaceAll('%', '%25')
      .replaceAll(':', '%3A')
      .replace(LONE, (ch) => `%u${hex(ch.charCodeAt(0), 4)}`)
    return /^[0-9\-!@~'#]/.test(escaped) ? `%${hex(escaped.charCodeAt(0), 2)}${escaped.slice(1)}` : escaped
  }
  const pieces = fc.constantFrom('', '0', '-', '#', '%', ':', '%3A', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D\uDE00', 'a', 'é', ' ', 'user')
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'binary-ascii' }),
    fc.array(pieces).map((parts) => parts.join('')),
  )
  fc.assert(
    fc.property(text, (value) => encodePart(value, 'part') === byFormat(value)),
    { numRuns: 5000 },
  )
  assert.is(encodePart('user:42', 'part'), 'user%3A42')
  assert.is(encodePart('\uDC00\uD800', 'part'), '%uDC00%uD800')
  assert.is(encodePart(':%', 'part'), '%3A%25')
})

unit.run()

const test = redisSuite('parts in Redis')

test('awkward keys round-trip through put, get, all and iterate, each its own record', async ({ cache }) => {
  const store = cache({ namespace: 'ns:with?*%' })
  const keys = awkward.map((part, i) => ['k', part, i % 3 === 0 ? part : i])
  await store.putMany(keys.map((key, i) => [key, i]))
  for (let i = 0; i < keys.length; i++) assert.is(await store.get(keys[i] as KeyPart[]), i)
  for (const part of awkward) if (!Array.isArray(part)) assert.is(await store.get(part), undefined)
  const listed = await store.all(['k', ANY, ANY])
  assert.is(listed.length, keys.length)
  for (const [key, i] of listed) assert.equal(key, keys[i as number])
  const iterated = new Map<number, unknown>()
  for await (const [key, i] of store.iterate(['k', REST], { count: 7 })) iterated.set(i as number, key)
  assert.is(iterated.size, keys.length)
  for (const [i, key] of iterated) assert.equal(key, keys[i])
  for (const part of awkward) {
    const single = await store.all(['k', part, ANY])
    assert.ok(single.length >= 1, `all(['k', ${String(part)}, ANY])`)
    for (const [key] of single) assert.equal((key as KeyPart[])[1], part)
  }
})

test('single-part keys come back bare; a single part that is an array stays wrapped', async ({ cache }) => {
  const store = cache()
  await store.put('k', 1)
  await store.put([['a', 'b']], 2)
  await store.put(['a', 'b'], 3)
  assert.is(await store.get(['k']), 1)
  assert.equal(await store.all(ANY), [
    ['k', 1],
    [[['a', 'b']], 2],
  ])
})

test.run()
