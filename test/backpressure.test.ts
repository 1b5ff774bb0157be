/**
 * Back-pressure of async writes (options.maxPendingWrites): with the store's redis-server
 * stopped (SIGSTOP: connections stay open, nothing answers) and a million async puts, at most
 * maxPendingWrites wait for Redis; every write over the bound is reported at once through
 * 'error' (sent: false), never dropped silently; the heap stays bounded; and once Redis runs
 * again exactly the accepted writes are applied.
 */
// test-targets: single
// test-clients: ioredis
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnRedisServer } from '../scripts/embedded-redis.js'
import { ANY, CacheOperationError, RedisCache } from '../src/index.js'
import { freePort } from './helpers.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heap(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const test = suite('back-pressure')

test('a million async puts while Redis is stopped: 10,000 wait, the rest are reported at once (not sent), the heap stays bounded, exactly the accepted ones are applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-backpressure-'))
  const server = await spawnRedisServer(await freePort(), dir)
  const store = new RedisCache({ redis: server.url, writes: 'async', timeout: 120_000 })
  const admin = new Redis(server.url)
  const N = 1_000_000
  const rejected = new Uint8Array(N)
  let reported = 0
  let reportedSent = 0
  store.on('error', (error) => {
    reported++
    if (error instanceof CacheOperationError && error.sent) reportedSent++
    rejected[(error.key as [string, number])[1]] = 1
  })
  try {
    store.put(['warm'], 0)
    await store.flush()
    const before = heap()
    server.child.kill('SIGSTOP')
    for (let i = 0; i < N; i++) store.put(['p', i], i)
    const reportedAtOnce = reported
    await new Promise((resolve) => setImmediate(resolve)) // the loop's own garbage (a million settled put() promises) can go
    const during = heap()
    assert.is(reportedAtOnce, N - 10_000, 'every write over the bound is reported before put() returns')
    assert.is(reportedSent, 0, 'writes over the bound are reported as not sent')
    for (let i = 0; i < 10_000; i++) assert.is(rejected[i], 0, `write ${i} was within the bound`)
    const grown = (during - before) / 2 ** 20
    assert.ok(grown < 64, `the heap grew by ${grown.toFixed(1)} MB with Redis stopped`)
    console.log(`  back-pressure: heap +${grown.toFixed(1)} MB with 1,000,000 async puts and Redis stopped (10,000 pending)`)
    server.child.kill('SIGCONT')
    await store.flush()
    assert.is(reported, N - 10_000, 'nothing accepted failed')
    assert.is(await store.count(['p', ANY]), 10_000, 'exactly the accepted writes are applied')
    const accepted = await admin.mget(Array.from({ length: 10_000 }, (_, i) => `{cache}:p:${i}`))
    assert.ok(
      accepted.every((value) => value !== null),
      'each accepted write is there',
    )
    assert.is(await admin.exists('{cache}:p:10000', '{cache}:p:999999'), 0)
    // And the bound frees up: new writes are accepted again.
    store.put(['after'], 1)
    await store.flush()
    assert.is(reported, N - 10_000)
    assert.is(await store.get(['after']), 1)
  } finally {
    server.child.kill('SIGCONT')
    await store.close().catch(() => undefined)
    await admin.quit().catch(() => undefined)
    await server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('with no error listener, flush() rejects with the count of writes over the bound; warnings stop after the first hundred', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-backpressure-'))
  const server = await spawnRedisServer(await freePort(), dir)
  const store = new RedisCache({ redis: server.url, writes: 'async', timeout: 60_000, maxPendingWrites: 10 })
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  try {
    store.put('warm', 0)
    await store.flush()
    server.child.kill('SIGSTOP')
    for (let i = 0; i < 1000; i++) store.put(['q', i], i)
    server.child.kill('SIGCONT')
    const error = (await store.flush().catch((e: unknown) => e)) as AggregateError
    assert.instance(error, AggregateError)
    assert.match(error.message, /^990 async write\(s\) failed with no 'error' listener \(the first 100 are in \.errors\): .*options\.maxPendingWrites/)
    assert.is(error.errors.length, 100)
    await new Promise((resolve) => setImmediate(resolve))
    assert.is(warnings.filter((w) => /maxPendingWrites/.test(w.message)).length, 100)
    assert.is(await store.count(['q', ANY]), 10)
    await store.flush() // nothing left to report
  } finally {
    process.off('warning', onWarning)
    server.child.kill('SIGCONT')
    await store.close().catch(() => undefined)
    await server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('options.maxPendingWrites must be a positive integer or Infinity', () => {
  for (const bad of [0, -1, 1.5, '10', Number.NaN]) {
    assert.throws(
      () => new RedisCache({ redis: 'redis://127.0.0.1:1', writes: 'async', maxPendingWrites: bad as number }),
      (e: Error) => e instanceof RangeError && /options\.maxPendingWrites/.test(e.message),
    )
  }
})

test.run()
