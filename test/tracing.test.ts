/**
 * Tracing (src/tracing.ts): every store call is published on the TracingChannel
 * `redis-prefix-cache:<operation>` with one context from start to end: namespace,
 * operation, key, record count, write mode, whether it was sent, and its error or result.
 * A put, a call Redis refuses, a call that never reaches Redis, an async write and its
 * refusal over maxPendingWrites; and nothing once unsubscribed.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { tracingChannel } from 'node:diagnostics_channel'
import * as assert from 'uvu/assert'
import { CacheOperationError, RedisCache } from '../src/index.js'
import type { CallTrace } from '../src/tracing.js'
import { freePort, onSingle, redisSuite } from './helpers.js'

const test = redisSuite('tracing')

type Event = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'

/** Subscribes to the channels of `operations`; answers the events seen (with a copy of the context at each) and how to stop. */
function listen(...operations: string[]) {
  const seen: Array<{ channel: string; event: Event; context: CallTrace; sent: boolean }> = []
  const stops: Array<() => void> = []
  for (const operation of operations) {
    const channel = tracingChannel<CallTrace, CallTrace>(`redis-prefix-cache:${operation}`)
    const on = (event: Event) => (context: CallTrace) => seen.push({ channel: operation, event, context, sent: context.sent })
    const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') }
    channel.subscribe(handlers)
    stops.push(() => channel.unsubscribe(handlers))
  }
  return { seen, stop: () => stops.forEach((stop) => stop()) }
}

test('a put and a get: start, end, asyncStart, asyncEnd on one context with namespace, operation, key, records and sent', async ({ cache }) => {
  const store = cache({ namespace: 'traced' })
  await store.put('warm', 0) // connected, and the eviction policy read
  const { seen, stop } = listen('put', 'get', 'putMany', 'getMany')
  try {
    await store.put(['user', 1], { name: 'Ada' })
    assert.equal(
      seen.map((e) => e.event),
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    )
    const context = seen[0]!.context
    assert.ok(
      seen.every((e) => e.context === context),
      'one context object from start to end',
    )
    assert.equal({ ...context, result: undefined }, { namespace: 'traced', operation: 'put', key: ['user', 1], records: 1, writes: 'sync', sent: true, result: undefined })
    assert.is(seen[0]!.sent, false, 'not yet sent at start')
    assert.is(seen[3]!.sent, true)
    seen.length = 0
    assert.equal(await store.get(['user', 1]), { name: 'Ada' })
    assert.equal(
      seen.map((e) => `${e.channel}:${e.event}`),
      ['get:start', 'get:end', 'get:asyncStart', 'get:asyncEnd'],
    )
    seen.length = 0
    await store.putMany([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ])
    await store.getMany(['a', 'b', 'c', 'd'])
    assert.equal(
      seen.filter((e) => e.event === 'start').map((e) => [e.channel, e.context.records]),
      [
        ['putMany', 3],
        ['getMany', 4],
      ],
    )
  } finally {
    stop()
  }
})

test('a call Redis refuses: the error event carries the CacheOperationError, sent: true', async ({ cache }) => {
  const store = cache()
  await store.put('text', 'not a counter')
  const { seen, stop } = listen('increment')
  try {
    const error = await store.increment('text').catch((e: unknown) => e)
    assert.instance(error, CacheOperationError)
    assert.equal(
      seen.map((e) => e.event),
      ['start', 'end', 'error', 'asyncStart', 'asyncEnd'],
    )
    const context = seen[0]!.context
    assert.is(context.error, error)
    assert.is(context.sent, true)
    assert.is(context.operation, 'increment')
  } finally {
    stop()
  }
})

onSingle(test)('a call that never reaches Redis (nothing listens on the port): error with sent: false', async () => {
  const store = new RedisCache({ redis: `redis://127.0.0.1:${await freePort()}`, timeout: 300, redisOptions: { retryStrategy: () => null } })
  const { seen, stop } = listen('get')
  try {
    const error = (await store.get('k').catch((e: unknown) => e)) as CacheOperationError
    assert.instance(error, CacheOperationError)
    assert.is(error.sent, false)
    const errors = seen.filter((e) => e.event === 'error')
    assert.is(errors.length, 1)
    assert.is(errors[0]!.context.error, error)
    assert.is(errors[0]!.context.sent, false)
  } finally {
    stop()
    await store.close().catch(() => undefined)
  }
})

test("an async write: traced from put() until Redis answers, writes: 'async'; one over maxPendingWrites: its error, not sent", async ({ cache }) => {
  const store = cache({ writes: 'async', maxPendingWrites: 1 })
  const errors: CacheOperationError[] = []
  store.on('error', (error) => errors.push(error as CacheOperationError))
  store.put('warm', 0)
  await store.flush()
  const { seen, stop } = listen('put')
  try {
    await store.put('a', 1) // resolves at once
    await store.put('b', 2) // over the bound: refused
    assert.ok(
      seen.some((e) => e.event === 'start' && e.context.key === 'a'),
      'started',
    )
    assert.not.ok(
      seen.some((e) => e.event === 'asyncEnd' && e.context.key === 'a'),
      'not answered yet when put() resolved',
    )
    const refused = seen.filter((e) => e.context.key === 'b').map((e) => e.event)
    assert.equal(refused, ['start', 'error', 'end'])
    await store.flush()
    const a = seen.filter((e) => e.context.key === 'a')
    assert.equal(
      a.map((e) => e.event),
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    )
    assert.is(a[0]!.context.writes, 'async')
    assert.is(a[0]!.context.sent, true)
    const b = seen.find((e) => e.context.key === 'b')!.context
    assert.is(b.sent, false)
    assert.is(b.error, errors[0])
    assert.is(errors.length, 1)
  } finally {
    stop()
  }
})

test('nothing is published once unsubscribed', async ({ cache }) => {
  const store = cache()
  const { seen, stop } = listen('put')
  stop()
  await store.put('a', 1)
  assert.equal(seen, [])
})

test.run()
