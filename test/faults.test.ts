/**
 * Faults against real redis-server processes started and killed by the test: a server
 * killed under load and restarted in place, async writes during an outage, a server that
 * comes back empty. (SCRIPT FLUSH under load: scripts.test.ts; maxmemory: store.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnRedisServer, type RedisProcess } from '../scripts/embedded-redis.js'
import { ANY, CacheOperationError, RedisCache, type Key } from '../src/index.js'
import { sleep } from './helpers.js'

const test = suite('faults')

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

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
          else if (i % 4 === 2) await store.putMany([[key, i], [['user', w], i], [`sid-${w}-${i % 10}`, i]])
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
  const emitted: CacheOperationError[] = []
  store.on('error', (error) => emitted.push(error))
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    await store.putMany([[['user', 1, 'session', 'a'], 1], [['user', 1], 'u']])
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
    assert.equal(await store.getMany([['user', 1], ['user', 1, 'session', 'a']]), [undefined, undefined])
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

test.run()
