/**
 * What is GLIDE's own in a store on a Valkey GLIDE client (the suites run on it too:
 * TEST_CLIENT=glide): Redis's words for Redis's errors, which deadline wins (the store's
 * `timeout` or GLIDE's `requestTimeout`), a client passed in left open, a closed one refused,
 * and writes over an outage.
 */
// test-targets: single
// test-clients: ioredis
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GlideClient, Logger } from '@valkey/valkey-glide'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnRedisServer, startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { glideAdapter, primariesOf, redisWorded } from '../src/client/glide.js'
import { CacheOperationError, RedisCache, type Key } from '../src/index.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
import { freePort, rejects, sleep } from './helpers.js'

Logger.setLoggerConfig('off')

interface Ctx {
  server: EmbeddedRedis
  admin: Redis
  glide: GlideClient
}
const test = suite<Ctx>('glide', {} as Ctx)

const glideOn = (port: number, requestTimeout?: number) => GlideClient.createClient({ addresses: [{ host: '127.0.0.1', port }], ...(requestTimeout ? { requestTimeout } : {}) })

test.before(async (ctx) => {
  ctx.server = await startRedis()
  ctx.admin = new Redis(ctx.server.url)
  ctx.glide = await glideOn(ctx.server.port, 5000)
})
test.before.each(async (ctx) => {
  await ctx.admin.flushall()
})
test.after(async (ctx) => {
  ctx.glide.close()
  await ctx.admin.quit()
  await ctx.server.stop()
})

test("GLIDE's wording of a server error is turned back into Redis's", () => {
  const glideError = (message: string) => Object.assign(new Error(message), { name: 'RequestError' })
  const cases: Array<[string, string]> = [
    ['An error was signalled by the server: - ResponseError: value is not an integer or out of range', 'ERR value is not an integer or out of range'],
    ["An error was signalled by the server: - CrossSlot: Keys in request don't hash to the same slot", "CROSSSLOT Keys in request don't hash to the same slot"],
    ['An error was signalled by the server: - NoScriptError: No matching script. Please use EVAL.', 'NOSCRIPT No matching script. Please use EVAL.'],
    ["An error was signalled by the server: - ReadOnly: You can't write against a read only replica.", "READONLY You can't write against a read only replica."],
    ['WRONGTYPE: Operation against a key holding the wrong kind of value', 'WRONGTYPE Operation against a key holding the wrong kind of value'],
    ["OOM: command not allowed when used memory > 'maxmemory'.", "OOM command not allowed when used memory > 'maxmemory'."],
  ]
  for (const [glide, redis] of cases) {
    const worded = redisWorded(glideError(glide)) as Error
    assert.is(worded.message, redis)
    assert.is(worded.name, 'ReplyError')
  }
  const other = new Error('An error was signalled by the server: - ResponseError: x')
  assert.is(redisWorded(other), other, 'only GLIDE request errors are reworded')
  const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' })
  assert.is(redisWorded(timeout), timeout)
})

test("a cluster's primaries and their slots, from CLUSTER NODES: failed and replica nodes left out, slots on the move not yet served", () => {
  const nodes = [
    'a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [5461->-b2]',
    'b2 127.0.0.1:7001@17001 master - 0 1 2 connected 5461-10922 12000',
    'c3 127.0.0.1:7002@17002 master,fail - 0 1 3 disconnected 10923-16383',
    'd4 127.0.0.1:7003@17003 slave a1 0 1 1 connected',
    'e5 ::1:7004@17004 master - 0 1 5 connected 16000-16383 [16001-<-a1]',
    '',
  ].join('\n')
  assert.equal(primariesOf(nodes), [
    { host: '127.0.0.1', port: 7000, slots: [[0, 5460]] },
    {
      host: '127.0.0.1',
      port: 7001,
      slots: [
        [5461, 10922],
        [12000, 12000],
      ],
    },
    { host: '::1', port: 7004, slots: [[16000, 16383]] },
  ])
})

test("a store's calls on a GLIDE client reject with Redis's own words", async ({ admin, glide }) => {
  const store = new RedisCache({ redis: glide })
  await admin.set('{cache}:user:#', 'not an index')
  const error = await rejects(store.put(['user', 1], 'x'), CacheOperationError, /WRONGTYPE Operation against a key holding the wrong kind of value/)
  assert.not.match(error.message, /signalled|WRONGTYPE:/)
  await admin.config('SET', 'maxmemory', '1')
  try {
    await rejects(store.put('k', 'v'), CacheOperationError, /OOM command not allowed when used memory > 'maxmemory'/)
  } finally {
    await admin.config('SET', 'maxmemory', '0')
  }
  await store.close()
})

test('the shorter deadline wins: GLIDE requestTimeout under the store timeout reports the call as sent, naming requestTimeout; the store timeout under GLIDE requestTimeout reports its own', async ({
  admin,
  server,
}) => {
  const quick = await glideOn(server.port, 150)
  const store = new RedisCache({ redis: quick, timeout: 5000 })
  await store.put('k', 1)
  await admin.call('CLIENT', 'PAUSE', '600', 'ALL')
  const t0 = Date.now()
  const glideFirst = (await rejects(store.get('k'), CacheOperationError, /requestTimeout \(150 ms\).*sent and may still be applied/)) as CacheOperationError
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`)
  assert.is(glideFirst.sent, true)
  await sleep(700)
  await store.close()
  quick.close()

  const slow = await glideOn(server.port, 20_000)
  const storeFirst = new RedisCache({ redis: slow, timeout: 150 })
  await admin.call('CLIENT', 'PAUSE', '600', 'ALL')
  const ownError = (await rejects(storeFirst.get('k'), CacheOperationError, /no answer from Redis within 150 ms \(options.timeout\)/)) as CacheOperationError
  assert.is(ownError.sent, true)
  await sleep(700)
  assert.is(await storeFirst.get('k'), 1)
  await storeFirst.close()
  slow.close()
})

test('a WAIT GLIDE gave up on says so, not requestTimeout: GLIDE gives it a deadline of its own (its timeout + 0.5 s from when it is sent)', async ({ admin, glide }) => {
  const adapter = glideAdapter(glide as unknown as Parameters<typeof glideAdapter>[0])
  await admin.call('CLIENT', 'PAUSE', '1200', 'ALL')
  const t0 = Date.now()
  const error = (await adapter.replicated('k', 1, 100).catch((e: unknown) => e)) as Error
  assert.match(error.message, /^WAIT got no answer within the deadline GLIDE gives it \(its timeout, 100 ms, plus 0.5 s from when it was sent\)/)
  assert.ok(Date.now() - t0 < 1100, `GLIDE's deadline, not requestTimeout (5000 ms): took ${Date.now() - t0} ms`)
  await sleep(1300)
})

test("a GLIDE client passed in stays the application's: close() leaves it open; a closed one is refused", async ({ server, glide }) => {
  const store = new RedisCache({ redis: glide })
  await store.put('k', 'v')
  const keyv = new KeyvPrefixCache({ redis: glide })
  await keyv.set('a', '"x"')
  await store.close()
  await keyv.disconnect()
  assert.is(await glide.get('{cache}:k'), '{"json":"v"}')
  const closed = await glideOn(server.port)
  closed.close()
  assert.throws(
    () => new RedisCache({ redis: closed }),
    (error: Error) => error instanceof TypeError && /GLIDE client that has been closed/.test(error.message),
  )
  // Recognised by its methods; one not of the GLIDE copy the store loads (whose scripts it could not run) is refused.
  const otherCopy = { invokeScript: async () => null, customCommand: async () => null, getStatistics: () => ({}), close: () => undefined }
  assert.throws(
    () => new RedisCache({ redis: otherCopy as never }),
    (error: Error) => error instanceof TypeError && /GLIDE client from another copy of @valkey\/valkey-glide/.test(error.message),
  )
})

test('writes spread over an outage: each rejects saying it may have been sent (GLIDE shows no connection state), and none is applied when Redis comes back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-glide-outage-'))
  const port = await freePort()
  const persist = ['--appendonly', 'yes', '--appendfsync', 'always']
  let server = await spawnRedisServer(port, dir, persist)
  const client = await glideOn(port, 500)
  const store = new RedisCache({ redis: client, timeout: 1000 })
  const rejected: Array<{ key: Key; sent: boolean }> = []
  try {
    await store.put('before', 1)
    await server.kill('SIGKILL')
    const writes: Promise<void>[] = []
    for (let i = 0; i < 16; i++) {
      const key: Key = ['outage', i]
      writes.push(store.put(key, i).catch((error: CacheOperationError) => void rejected.push({ key, sent: error.sent })))
      await sleep(200)
    }
    await Promise.all(writes)
    assert.ok(rejected.length > 0, 'writes failed during the outage')
    server = await spawnRedisServer(port, dir, persist)
    const until = Date.now() + 15_000
    while ((await store.get('before').catch(() => undefined)) !== 1) {
      if (Date.now() > until) assert.unreachable('the store did not answer again')
      await sleep(100)
    }
    await sleep(1500) // anything GLIDE held and sends on reconnection has landed by now
    // GLIDE shows no connection state: the store sends, and each write that fails says it may
    // have been applied (sent: true). None was applied later: GLIDE drops a request that timed out.
    for (const { key, sent } of rejected) {
      assert.is(sent, true, `${JSON.stringify(key)}: rejected as not sent`)
      assert.is(await store.get(key), undefined, `${JSON.stringify(key)} was rejected, yet applied when Redis came back`)
    }
    await store.put(['after'], 1)
    assert.ok((await store.verify()).ok)
  } finally {
    await store.close().catch(() => undefined)
    client.close()
    await server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
