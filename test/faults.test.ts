/**
 * Faults against real redis-server processes started and killed by the test: a server
 * killed under load and restarted in place, async writes during an outage, a server that
 * comes back empty. (SCRIPT FLUSH under load: scripts.test.ts; maxmemory: store.test.ts.)
 */
// test-targets: single
// test-clients: ioredis
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnRedisServer, type RedisProcess } from '../scripts/embedded-redis.js'
import { ANY, CacheOperationError, type CacheDecodeError, RedisCache, type Key } from '../src/index.js'
import { freePort, sleep } from './helpers.js'

const test = suite('faults')

/** Waits until the store answers again (it reconnects by itself). */
async function recovered(store: RedisCache<'sync' | 'async'>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    try {
      await store.has('probe')
      return
    } catch (error) {
      if (Date.now() > until) throw error
      await sleep(50)
    }
  }
}

const TIMEOUT = 1000

/** error.sent, checked against what the message says. */
function sentOf(error: Error): boolean {
  const sent = (error as CacheOperationError).sent
  assert.is(sent, !/nothing was sent/.test(error.message), error.message)
  return sent
}

test('a server killed under load: calls reject within the timeout, then the same store works on, every record whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-kill-'))
  const port = await freePort()
  const persist = ['--appendonly', 'yes', '--appendfsync', 'always']
  let server: RedisProcess = await spawnRedisServer(port, dir, persist)
  const store = new RedisCache({ redis: server.url, timeout: TIMEOUT, ttl: 600_000 })
  try {
    let stop = false
    let ok = 0
    const failures: number[] = []
    const errors = new Set<string>()
    const workers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const key: Key = ['user', w, 'session', i % 10]
        const t0 = Date.now()
        try {
          if (i % 4 === 3) await store.delete(key)
          else if (i % 4 === 2)
            await store.putMany([
              [key, i],
              [['user', w], i],
              [`sid-${w}-${i % 10}`, i],
            ])
          else if (i % 4 === 1) await store.touch(key, 300_000)
          else await store.put(key, i)
          ok++
        } catch (error) {
          assert.instance(error, CacheOperationError)
          errors.add((error as Error).message.replace(/\d+/g, 'N'))
          failures.push(Date.now() - t0)
          await sleep(5)
        }
      }
    })
    await sleep(300)
    await server.kill('SIGKILL')
    await sleep(1500)
    const okBeforeRestart = ok
    server = await spawnRedisServer(port, dir, persist)
    await recovered(store)
    await sleep(300)
    stop = true
    await Promise.race([Promise.all(workers), sleep(5000).then(() => assert.unreachable('a call hung'))])
    assert.ok(failures.length > 0, 'calls failed during the outage')
    assert.ok(Math.max(...failures) <= TIMEOUT + 500, `a failing call took ${Math.max(...failures)} ms`)
    assert.ok(ok > okBeforeRestart, 'calls succeed again after the restart')
    const report = await store.verify()
    assert.ok(report.ok, JSON.stringify(report).slice(0, 500))
    assert.ok(report.keysChecked > 10)
    assert.ok((await store.all(['user', ANY, 'session', ANY])).length > 0)
  } finally {
    await store.close().catch(() => undefined)
    await server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('async writes during an outage: each failure is emitted once, none is unhandled, flush() settles; then an empty server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-async-'))
  const port = await freePort()
  let server = await spawnRedisServer(port, dir)
  const store = new RedisCache({ redis: server.url, writes: 'async', timeout: TIMEOUT, ttl: 600_000 })
  const emitted: Array<CacheOperationError | CacheDecodeError> = []
  store.on('error', (error) => emitted.push(error))
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    await store.putMany([
      [['user', 1, 'session', 'a'], 1],
      [['user', 1], 'u'],
    ])
    await store.flush()
    assert.is(emitted.length, 0)
    await server.kill('SIGKILL')
    const writes = 25
    for (let i = 0; i < writes; i++) {
      if (i % 5 === 0) await store.delete(['user', 1, 'session', 'a'])
      else if (i % 5 === 1) await store.putMany([[['user', 2, 'session', i], i]])
      else await store.put(['user', 3, 'session', i], i)
    }
    await Promise.race([store.flush(), sleep(TIMEOUT * 3).then(() => assert.unreachable('flush() did not settle'))])
    await sleep(50)
    assert.is(emitted.length, writes, `emitted ${emitted.length} of ${writes}`)
    assert.equal(new Set(emitted).size, writes)
    assert.equal(unhandled, [])

    // The server comes back empty: reads answer nothing, without errors; writes rebuild.
    server = await spawnRedisServer(port, dir)
    await recovered(store)
    await sleep(200)
    assert.is(await store.get(['user', 3, 'session', 2]), undefined, 'no write that failed was applied later')
    assert.equal(await store.all(['user', ANY, 'session', ANY]), [])
    assert.equal(
      await store.getMany([
        ['user', 1],
        ['user', 1, 'session', 'a'],
      ]),
      [undefined, undefined],
    )
    assert.is(await store.ttl(['user', 1]), undefined)
    await store.put(['user', 1, 'session', 'b'], 'new')
    await store.flush()
    assert.equal(await store.all(['user', 1, 'session', ANY]), [[['user', 1, 'session', 'b'], 'new']])
    const admin = new Redis(server.url)
    assert.equal((await admin.keys('*')).sort(), ['{cache}:#', '{cache}:user:#', '{cache}:user:1:#', '{cache}:user:1:session:#', '{cache}:user:1:session:b'])
    await admin.quit()
    assert.ok((await store.verify()).ok)
    assert.is(emitted.length, writes)
  } finally {
    process.off('unhandledRejection', onUnhandled)
    await store.close().catch(() => undefined)
    await server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

/**
 * Writes spread over a long outage, one every 250 ms, on stores with their own client (sync
 * and async writes) and on a client passed in with ioredis's defaults (offline queue, 20
 * retries): every write that rejected must be absent once the server is back. Before the
 * store waited for a ready connection, ioredis kept such writes in its offline queue and
 * sent them on reconnection, seconds after they had been reported as failed. The one
 * ambiguous case is a command written to the socket just before the server died: its error
 * says it was sent, and a client passed in with ioredis's default
 * `autoResendUnfulfilledCommands: true` sends it again on reconnection.
 */
test('writes spread over an outage: none that rejected is applied when Redis comes back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'))
  const port = await freePort()
  const persist = ['--appendonly', 'yes', '--appendfsync', 'always']
  let server = await spawnRedisServer(port, dir, persist)
  const passedIn = new Redis(server.url)
  passedIn.on('error', () => undefined)
  const stores = {
    sync: new RedisCache({ redis: server.url, timeout: TIMEOUT }),
    async: new RedisCache({ redis: server.url, timeout: TIMEOUT, writes: 'async' }),
    passedIn: new RedisCache({ redis: passedIn, timeout: TIMEOUT, namespace: 'passed' }),
  }
  const rejected: Array<{ store: keyof typeof stores; key: Key; sent: boolean }> = []
  const record = (store: keyof typeof stores, key: Key, error: Error) => rejected.push({ store, key, sent: sentOf(error) })
  stores.async.on('error', (error) => record('async', error.key as Key, error))
  try {
    await stores.sync.put('before', 1)
    await server.kill('SIGKILL')
    const writes: Promise<void>[] = []
    for (let i = 0; i < 24; i++) {
      for (const name of ['sync', 'async', 'passedIn'] as const) {
        const key: Key = ['outage', name, i]
        writes.push(
          stores[name].put(key, i).catch((error: Error) => {
            record(name, key, error)
          }),
        )
      }
      await sleep(250)
    }
    await Promise.all(writes)
    await stores.async.flush()
    server = await spawnRedisServer(port, dir, persist)
    await recovered(stores.sync)
    await recovered(stores.passedIn)
    await sleep(1500) // time for any queued command to arrive
    assert.is(rejected.length, 3 * 24, 'every write during the outage rejected')
    const admin = new Redis(server.url)
    const applied = new Set(await admin.keys('*'))
    await admin.quit()
    const late = rejected.filter(({ store, key, sent }) => {
      const vkey = `{${store === 'passedIn' ? 'passed' : 'cache'}}:${(key as unknown[]).join(':')}`
      // Own clients do not resend; a client passed in may resend only what was sent.
      return applied.has(vkey) && (store !== 'passedIn' || !sent)
    })
    assert.equal(late, [], 'rejected writes applied after the restart')
    assert.ok(rejected.filter(({ sent }) => !sent).length >= 3 * 20, 'most writes were never sent')
    assert.is(await stores.sync.get('before'), 1)
  } finally {
    await Promise.all(Object.values(stores).map((store) => store.close().catch(() => undefined)))
    passedIn.disconnect()
    await server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

/**
 * The same outage on node-redis clients passed in with node-redis's defaults (offline queue
 * on, reconnecting by itself): the store sends nothing while the client is not ready, so no
 * write that rejected is applied when Redis comes back; and the scripts, unknown to the new
 * server (it starts with an empty script cache), come back by themselves (EVALSHA, then EVAL
 * once on NOSCRIPT).
 */
for (const [name, load] of [
  ['node-redis 5', async (url: string) => (await import('redis5')).createClient({ url })],
  ['node-redis 6', async (url: string) => (await import('redis')).createClient({ url })],
] as const) {
  test(`writes spread over an outage on a ${name} client: none that rejected is applied when Redis comes back; scripts come back`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-outage-nr-'))
    const port = await freePort()
    const persist = ['--appendonly', 'yes', '--appendfsync', 'always']
    let server = await spawnRedisServer(port, dir, persist)
    const client = await load(server.url)
    client.on('error', () => undefined)
    await client.connect()
    const store = new RedisCache({ redis: client, timeout: TIMEOUT })
    const rejected: Array<{ key: Key; sent: boolean }> = []
    try {
      await store.put('before', 1)
      await server.kill('SIGKILL')
      const writes: Promise<void>[] = []
      for (let i = 0; i < 16; i++) {
        const key: Key = ['outage', i]
        writes.push(store.put(key, i).catch((error: Error) => void rejected.push({ key, sent: sentOf(error) })))
        await sleep(250)
      }
      await Promise.all(writes)
      server = await spawnRedisServer(port, dir, persist)
      await recovered(store)
      await sleep(1500) // time for any queued command to arrive
      assert.is(rejected.length, 16, 'every write during the outage rejected')
      const admin = new Redis(server.url)
      const applied = new Set(await admin.keys('*'))
      const late = rejected.filter(({ key, sent }) => !sent && applied.has(`{cache}:${(key as unknown[]).join(':')}`))
      assert.equal(late, [], 'rejected writes applied after the restart')
      const sentLate = rejected.filter(({ key, sent }) => sent && applied.has(`{cache}:${(key as unknown[]).join(':')}`))
      assert.ok(rejected.filter(({ sent }) => !sent).length >= 14, `most writes were never sent (${sentLate.length} sent and applied late)`)
      assert.is(await store.get('before'), 1)
      await store.put('after', 2) // a script the restarted server had never seen
      await admin.script('FLUSH')
      assert.ok(await store.touch('after', 60_000), 'and again after SCRIPT FLUSH')
      assert.is(await store.get('after'), 2)
      await admin.quit()
      assert.ok(client.isOpen, 'the store leaves a client passed in open')
    } finally {
      await store.close().catch(() => undefined)
      await client.close().catch(() => undefined)
      await server.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test.run()
