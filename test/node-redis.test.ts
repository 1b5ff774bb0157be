/**
 * What is particular to node-redis clients (the contract, session, Keyv and expiry suites run
 * on them too: TEST_CLIENT, `npm run test:node-redis`): a client still connecting is taken
 * as it is; the store leaves no listener behind on the caller's client; scripts run as
 * EVALSHA, and after SCRIPT FLUSH one EVAL loads a script again, never EVAL on every call;
 * a connection error reaches the waiting calls in Redis's words.
 */
import * as assert from 'uvu/assert'
import { createClient } from 'redis5'
import { CacheOperationError, RedisCache } from '../src/index.js'
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
