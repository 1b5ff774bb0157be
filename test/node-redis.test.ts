/**
 * What is particular to node-redis clients (the contract, session, Keyv and expiry suites run
 * on them too: TEST_CLIENT, `npm run test:node-redis`): a client still connecting is taken
 * as it is; the store leaves no listener behind on the caller's client; scripts run as
 * EVALSHA, and after SCRIPT FLUSH one EVAL loads a script again, never EVAL on every call;
 * a connection error reaches the waiting calls in Redis's words.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createClient as createClient6 } from 'redis'
import { createClient } from 'redis5'
import { CacheOperationError, NotReplicatedError, RedisCache } from '../src/index.js'
import { nodeRedisAdapter } from '../src/client/node-redis.js'
import { freePort, onSingle, redisSuite, rejects } from './helpers.js'

const test = redisSuite('node-redis clients')

const EVENTS = ['ready', 'error', 'end', 'connect', 'reconnecting']
const listeners = (client: { listenerCount(event: string): number }) => EVENTS.map((event) => client.listenerCount(event))

onSingle(test)('a client still connecting works at once; calls, errors and close() leave its listeners as they were', async (ctx) => {
  const client = createClient({ url: ctx.server.url })
  client.on('error', () => undefined)
  const before = listeners(client)
  const connecting = client.connect()
  const store = new RedisCache({ redis: client })
  await store.put(['a', 1], 'one') // waits for the client to be ready
  assert.is(await store.get(['a', 1]), 'one')
  await connecting
  await store.watch({ configureNotifications: true })
  await store.close()
  assert.equal(listeners(client), before, 'no listener added and left')
  assert.ok(client.isOpen, 'a client passed in stays open')
  await client.close()
})

onSingle(test)('scripts: EVALSHA, and one EVAL per script after SCRIPT FLUSH, never EVAL on every call', async (ctx) => {
  const client = createClient({ url: ctx.server.url })
  client.on('error', () => undefined)
  await client.connect()
  const store = new RedisCache({ redis: client })
  ctx.cleanup.push(async () => {
    await store.close()
    await client.close()
  })
  const calls = async () => {
    const stats = String(await ctx.admin.info('commandstats'))
    const count = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
    return { eval: count('eval'), evalsha: count('evalsha') }
  }
  for (let i = 0; i < 20; i++) await store.put(['k', i], i)
  const first = await calls()
  assert.is(first.eval, 1, 'the first put loads the script once (NOSCRIPT, then EVAL)')
  await ctx.admin.script('FLUSH')
  await ctx.admin.config('RESETSTAT')
  for (let i = 0; i < 20; i++) await store.put(['k', i], i + 1)
  const after = await calls()
  assert.is(after.eval, 1, 'after SCRIPT FLUSH, one EVAL loads it again')
  assert.is(after.evalsha, 20, 'every call is an EVALSHA (one answered NOSCRIPT)')
  assert.is(await store.get(['k', 19]), 20)
})

onSingle(test)(
  "the store's own deadline governs its calls: no node-redis per-command timer (node-redis 6 gives every command one by default), so none cuts a call short",
  async (ctx) => {
    type Create = (options: { url: string; commandOptions?: { timeout: number } }) => ReturnType<typeof createClient>
    const clients: Array<[string, Create]> = [
      ['node-redis 5', createClient as Create],
      ['node-redis 6', createClient6 as unknown as Create],
    ]
    for (const [version, create] of clients) {
      // Each command of node-redis 6 with its defaults would make an AbortSignal.timeout (5 s).
      const client = create({ url: ctx.server.url })
      client.on('error', () => undefined)
      await client.connect()
      const store = new RedisCache({ redis: client as never })
      const made = { timers: 0 }
      const original = AbortSignal.timeout
      AbortSignal.timeout = (ms: number) => {
        made.timers++
        return original.call(AbortSignal, ms)
      }
      try {
        await store.put(['k'], 1)
        for (let i = 0; i < 50; i++) await store.get(['k'])
        await client.sendCommand(['PING']) // a command of the app's own: node-redis's options as they were
      } finally {
        AbortSignal.timeout = original
      }
      assert.is(made.timers, version === 'node-redis 6' ? 1 : 0, `${version}: only the app's own PING got node-redis's timer`)
      await store.close()
      await client.close()

      // A client whose commands time out after 100 ms, and a call that the store lets run 400 ms
      // (a WAIT of durability.timeout on a Redis without replicas): the store's answer, not node-redis's.
      const impatient = create({ url: ctx.server.url, commandOptions: { timeout: 100 } })
      impatient.on('error', () => undefined)
      await impatient.connect()
      const durable = new RedisCache({ redis: impatient as never, durability: { replicas: 1, timeout: 400 } })
      const error = await rejects(durable.put(['d'], 1), CacheOperationError, /replica/)
      assert.instance(error.cause, NotReplicatedError, `${version}: ${String(error.cause)}`)
      await durable.close()
      await impatient.close()
    }
  },
)

onSingle(test)('a refused connection rejects the waiting calls at once, in the socket’s words, with nothing sent', async () => {
  const port = await freePort()
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 200 } })
  client.on('error', () => undefined)
  client.connect().catch(() => undefined)
  const store = new RedisCache({ redis: client, timeout: 5000 })
  const t0 = Date.now()
  await rejects(store.put('a', 1), CacheOperationError, /ECONNREFUSED.*while connecting to 127\.0\.0\.1:\d+; nothing was sent/)
  assert.ok(Date.now() - t0 < 2500, 'at once, not after the timeout')
  await store.close()
  await client.destroy()
})

test.run()

const unit = suite('node-redis adapter')

unit("a cluster's ready count changes with any master's reconnection, exactly, however many masters (it once summed floats and missed one past about 10)", () => {
  const masters = Array.from({ length: 16 }, (_, i) => ({ host: '127.0.0.1', port: 30000 + i, client: { socketEpoch: 1, isReady: true } }))
  const fake = { isOpen: true, masters, sendCommand: async () => undefined, on: () => fake, off: () => fake }
  const adapter = nodeRedisAdapter(fake as never)
  const first = adapter.readyCount()
  assert.is(adapter.readyCount(), first, 'unchanged while nothing changes')
  for (const i of [15, 0, 7]) {
    const before = adapter.readyCount()
    ;(masters[i] as { client: { socketEpoch: number } }).client.socketEpoch++
    assert.is.not(adapter.readyCount(), before, `master ${i} reconnected`)
  }
  const before = adapter.readyCount()
  masters.push({ host: '127.0.0.1', port: 40000, client: { socketEpoch: 1, isReady: true } })
  assert.is.not(adapter.readyCount(), before, 'a master added')
})

unit.run()
