/**
 * The network between the store and Redis, through a fault-injecting TCP proxy (proxy.ts)
 * in front of a real redis-server: replies stalled with the command already sent, a
 * partition that accepts connections and never answers, refused connections, a connection
 * dropped mid-reply, replies dripping a byte at a time. For each, on an ioredis client the
 * store made and on a node-redis 5 client passed in:
 * - every call settles within its timeout;
 * - its error says whether anything was sent (`error.sent`), and a call reported as not
 *   sent is never applied, even after the network heals;
 * - the store recovers by itself once the proxy heals, and leaves no listener or timer behind.
 */
// test-targets: single
// test-clients: ioredis
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { CacheOperationError, RedisCache } from '../src/index.js'
import { internals } from '../src/internals.js'
import { sleep } from './helpers.js'
import { FaultProxy, type FaultMode } from './proxy.js'

interface Ctx {
  server: EmbeddedRedis
  admin: Redis
}

const test = suite<Ctx>('network faults (proxy)', {} as Ctx)
const TIMEOUT = 400
/** What a call may take beyond its timeout: timers and the event loop of a loaded machine. */
const SLACK = 350

test.before(async (ctx) => {
  ctx.server = await startRedis()
  ctx.admin = new Redis(ctx.server.url)
})
test.before.each(async ({ admin }) => {
  await admin.flushall()
})
test.after(async (ctx) => {
  await ctx.admin.quit()
  await ctx.server.stop()
})

interface Outcome {
  key: readonly [string, number?]
  ms: number
  error?: CacheOperationError
}

/** Runs one call and records how long it took and how it ended. */
async function timed(key: Outcome['key'], call: () => Promise<unknown>): Promise<Outcome> {
  const start = performance.now()
  try {
    await call()
    return { key, ms: performance.now() - start }
  } catch (error) {
    if (!(error instanceof CacheOperationError)) throw error
    return { key, ms: performance.now() - start, error }
  }
}

async function recovered(store: RedisCache, ms = 10_000): Promise<number> {
  const start = Date.now()
  for (;;) {
    try {
      await store.has('probe')
      return Date.now() - start
    } catch (error) {
      if (Date.now() - start > ms) throw error
      await sleep(50)
    }
  }
}

/** Listeners on the client and the process's timers: what a store must not leave behind. */
function footprint(native: { eventNames(): (string | symbol)[]; listenerCount(event: string | symbol): number }) {
  const listeners = Object.fromEntries(native.eventNames().map((event) => [String(event), native.listenerCount(event)]))
  const timers = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
  return { listeners, timers }
}

type Native = Parameters<typeof footprint>[0]

/** The same listeners as before the fault, and no more timers. */
function noLeak(after: ReturnType<typeof footprint>, before: ReturnType<typeof footprint>): void {
  assert.equal(after.listeners, before.listeners, 'listeners on the client are as before the fault')
  assert.ok(after.timers <= before.timers, `timers: ${after.timers} after the fault, ${before.timers} before`)
}

const clients: Array<[string, (proxy: FaultProxy) => Promise<{ store: RedisCache; native: Native; close(): Promise<void> }>]> = [
  [
    'an ioredis client the store made',
    async (proxy) => {
      const store = new RedisCache({ redis: proxy.url, timeout: TIMEOUT })
      const native = store[internals]().client.native as Redis
      return { store, native, close: () => store.close() }
    },
  ],
  [
    'a node-redis 5 client passed in',
    async (proxy) => {
      const { createClient } = await import('redis5')
      const client = createClient({ url: proxy.url })
      client.on('error', () => undefined)
      await client.connect()
      const store = new RedisCache({ redis: client, timeout: TIMEOUT })
      return {
        store,
        native: client as unknown as Native,
        close: async () => {
          await store.close()
          client.destroy() // closing politely would wait for a reconnection to a proxy that is gone
        },
      }
    },
  ],
]

/**
 * The fault scenarios: `fault` breaks the path, then a burst of writes and reads runs;
 * `sent` is what every rejected call must say (undefined: either, as the fault allows).
 */
const faults: Array<{ name: string; mode: FaultMode; reset?: boolean; sent?: boolean; rejects: 'all' | 'reads' }> = [
  { name: 'replies stalled with the commands sent', mode: 'stall', sent: true, rejects: 'all' },
  { name: 'a partition (connections reset, new ones accepted and never answered)', mode: 'blackhole', reset: true, rejects: 'all' },
  { name: 'connections refused', mode: 'refuse', sent: false, rejects: 'all' },
  // A short reply can make it through within the timeout; every longer one (a get of the 2,000-byte value) cannot.
  { name: 'replies dripping a byte every 150 ms', mode: 'drip', sent: true, rejects: 'reads' },
]

for (const [clientName, make] of clients) {
  for (const fault of faults) {
    test(`${fault.name}, on ${clientName}: every call settles within its timeout, says whether it was sent, and none reported unsent is applied; the store recovers by itself`, async ({
      server,
      admin,
    }) => {
      const proxy = await FaultProxy.start({ host: server.host, port: server.port })
      const { store, native, close } = await make(proxy)
      try {
        await store.put('warm', 'x'.repeat(2000)) // connected, scripts loaded
        await store.get('warm')
        const before = footprint(native)
        await proxy.set(fault.mode)
        if (fault.reset) proxy.resetAll()
        await sleep(50)
        const calls: Promise<Outcome>[] = []
        for (let i = 0; i < 20; i++) {
          const key = ['w', i] as const
          calls.push(timed(key, () => store.put(key, i)))
          calls.push(timed(['warm'], () => store.get('warm')))
          if (i % 5 === 4) await sleep(60)
        }
        const outcomes = await Promise.all(calls)
        for (const { ms } of outcomes) assert.ok(ms <= TIMEOUT + SLACK, `a call took ${Math.round(ms)} ms with a timeout of ${TIMEOUT}`)
        const failed = outcomes.filter((o) => o.error)
        const expected = fault.rejects === 'all' ? outcomes : outcomes.filter((o) => o.key[0] === 'warm')
        const through = expected.filter((o) => !o.error)
        assert.equal(through, [], `${through.length} calls succeeded through '${fault.mode}'`)
        for (const { error } of failed) {
          assert.type(error!.sent, 'boolean')
          if (fault.sent !== undefined) assert.is(error!.sent, fault.sent, error!.message)
          // The message and the flag agree.
          if (error!.sent) assert.match(error!.message, /was sent and may still be applied|was lost/)
          else assert.match(error!.message, /nothing was sent/)
        }
        const unsent = failed.filter((o) => o.error!.sent === false && o.key[0] === 'w').map((o) => o.key)

        await proxy.heal()
        const ms = await recovered(store)
        assert.ok(ms < 5000, `recovered in ${ms} ms`)
        await sleep(500) // time for anything held to arrive
        const applied = new Set(await admin.keys('{cache}:w:*'))
        const late = unsent.filter((key) => applied.has(`{cache}:w:${key[1]}`))
        assert.equal(late, [], 'writes reported as never sent were applied')
        assert.is(await store.get('warm'), 'x'.repeat(2000))
        await store.put('after', 1)
        assert.is(await store.get('after'), 1)
        assert.ok((await store.verify()).ok, 'verify() finds nothing broken')
        await sleep(TIMEOUT + 100) // every deadline of the burst has passed
        noLeak(footprint(native), before)
      } finally {
        await proxy.close() // first: a node-redis client closes only once its replies have come
        await close().catch(() => undefined)
      }
    })
  }

  test(`a connection dropped mid-reply, on ${clientName}: the call rejects, sent, within its timeout; the next call works`, async ({ server }) => {
    const proxy = await FaultProxy.start({ host: server.host, port: server.port })
    const { store, native, close } = await make(proxy)
    try {
      const big = 'v'.repeat(512 * 1024)
      await store.put('big', big)
      await store.get('big')
      const before = footprint(native)
      await proxy.set('drop')
      const outcome = await timed(['big'], () => store.get('big'))
      assert.ok(outcome.ms <= TIMEOUT + SLACK, `${Math.round(outcome.ms)} ms`)
      if (outcome.error) {
        assert.is(outcome.error.sent, true)
        assert.match(outcome.error.message, /was sent and may still be applied|was lost/)
      }
      assert.ok(proxy.accepted >= 1)
      await recovered(store)
      assert.is(await store.get('big'), big)
      await sleep(TIMEOUT + 100)
      noLeak(footprint(native), before)
    } finally {
      await proxy.close()
      await close().catch(() => undefined)
    }
  })
}

test('error.sent: false for a call that timed out waiting to connect, true for one Redis refused with its own error', async ({ server }) => {
  const proxy = await FaultProxy.start({ host: server.host, port: server.port })
  await proxy.set('blackhole')
  const store = new RedisCache({ redis: proxy.url, timeout: TIMEOUT })
  try {
    const error = (await store.put('k', 1).catch((e: unknown) => e)) as CacheOperationError
    assert.instance(error, CacheOperationError)
    assert.is(error.sent, false)
    assert.match(error.message, /nothing was sent/)
    await proxy.heal()
    await recovered(store)
    await store.put('k', 'text') // a record, not a counter: increment() is refused by the script
    const refused = (await store.increment('k').catch((e: unknown) => e)) as CacheOperationError
    assert.instance(refused, CacheOperationError)
    assert.is(refused.sent, true)
  } finally {
    await store.close().catch(() => undefined)
    await proxy.close()
  }
})

test.run()
