/**
 * Call deadlines on one shared timer (src/deadlines.ts): each deadline runs once when its
 * time has passed and never after it is cancelled, the timer holds the process only while a
 * deadline is pending, and a store's call that Redis does not answer in time rejects on it,
 * saying the command was sent, while the calls around it are answered. Runs on a single server.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { Deadlines } from '../src/deadlines.js'
import { CacheOperationError, RedisCache } from '../src/index.js'
import { sleep } from './helpers.js'

const test = suite('deadlines')

test('a deadline runs once its time has passed, in the order they started; a cancelled one never runs', async () => {
  const deadlines = new Deadlines(80)
  const ran: number[] = []
  const started = performance.now()
  const at: number[] = []
  const all = Array.from({ length: 10 }, (_, i) =>
    deadlines.start(() => {
      ran.push(i)
      at.push(performance.now() - started)
    }),
  )
  for (const i of [1, 4, 5, 9]) deadlines.cancel(all[i]!)
  assert.is(deadlines.pending, 6)
  await sleep(40)
  assert.equal(ran, [], 'none before its time')
  await sleep(120)
  assert.equal(ran, [0, 2, 3, 6, 7, 8])
  for (const ms of at) assert.ok(ms >= 79, `ran after ${ms} ms, not before 80`)
  assert.is(deadlines.pending, 0)
})

test('deadlines started while others are pending each wait their own full time', async () => {
  const deadlines = new Deadlines(100)
  const ran: string[] = []
  deadlines.start(() => ran.push('first'))
  await sleep(60)
  const second = deadlines.start(() => ran.push('second'))
  deadlines.start(() => ran.push('third'))
  await sleep(70) // 130 ms after the first, 70 ms after the others
  assert.equal(ran, ['first'])
  deadlines.cancel(second)
  await sleep(60)
  assert.equal(ran, ['first', 'third'])
})

test('settled deadlines are dropped: a long run of calls leaves nothing pending and the queue small', () => {
  const deadlines = new Deadlines(60_000)
  const open = []
  let most = 0
  for (let i = 0; i < 100_000; i++) {
    open.push(deadlines.start(() => assert.unreachable('cancelled')))
    // 64 in flight, answered in order but for one in 100 answered late
    if (open.length > 64) deadlines.cancel(open.splice(i % 100 === 0 ? 1 : 0, 1)[0]!)
    most = Math.max(most, deadlines.held)
  }
  assert.ok(most < 2 * 1024 + 200, `the queue held up to ${most} entries`)
  for (const deadline of open.splice(0)) deadlines.cancel(deadline)
  assert.is(deadlines.pending, 0)
  assert.is(deadlines.held, 0)
})

test('the timer holds the process only while a deadline is pending', () => {
  const script = `
    import { Deadlines } from './src/deadlines.ts'
    const d = new Deadlines(60_000)
    const started = Date.now()
    for (let i = 0; i < 100; i++) d.cancel(d.start(() => {}))
    process.on('exit', () => console.log('exited after', Date.now() - started))
  `
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
  assert.is(run.status, 0, run.stderr)
  const ms = Number(/exited after (\d+)/.exec(run.stdout)?.[1])
  assert.ok(ms < 5_000, `the process exited after ${ms} ms, not held by a 60 s timer`)

  const held = `
    import { Deadlines } from './src/deadlines.ts'
    const d = new Deadlines(300)
    const started = Date.now()
    d.cancel(d.start(() => {}))
    d.start(() => console.log('expired after', Date.now() - started))
  `
  const waited = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', held], { encoding: 'utf8', timeout: 20_000 })
  assert.is(waited.status, 0, waited.stderr)
  assert.match(waited.stdout, /expired after \d+/, 'a pending deadline keeps the process until it runs')
})

test("a timeout longer than Node's timers allow is a RangeError naming options.timeout, before anything connects", () => {
  assert.throws(
    () => new RedisCache({ redis: 'redis://127.0.0.1:1', timeout: 2 ** 31 }),
    (error: Error) => error instanceof RangeError && /options\.timeout must be at most 2147483647 ms/.test(error.message),
  )
  assert.throws(() => new RedisCache({ redis: 'redis://127.0.0.1:1', timeout: 0 }), /options\.timeout must be a positive safe integer/)
})

const server = suite<{ redis: EmbeddedRedis; admin: Redis }>('deadlines of store calls')

server.before(async (ctx) => {
  ctx.redis = await startRedis(['--enable-debug-command', 'yes'])
  ctx.admin = new Redis(ctx.redis.url)
})

server.after(async (ctx) => {
  ctx.admin.disconnect()
  await ctx.redis.stop()
})

server('a call Redis does not answer in time rejects at its timeout, saying it was sent; the store goes on after', async (ctx) => {
  const store = new RedisCache({ redis: ctx.redis.url, timeout: 300 })
  try {
    await store.put('k', 1)
    for (let i = 0; i < 200; i++) await store.get('k') // answered calls leave nothing behind to fire
    const sleeper = new Redis(ctx.redis.url)
    void sleeper.call('DEBUG', 'SLEEP', '1').finally(() => sleeper.disconnect())
    await sleep(50)
    const started = performance.now()
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.get(['late', i])))
    const took = performance.now() - started
    for (const result of results) {
      assert.is(result.status, 'rejected')
      const error = (result as PromiseRejectedResult).reason as Error
      assert.instance(error, CacheOperationError)
      assert.match(error.message, /no answer from Redis within 300 ms \(options\.timeout\); .*the command was sent and may still be applied/)
    }
    assert.ok(took >= 290 && took < 900, `rejected after ${Math.round(took)} ms (timeout 300)`)
    await sleep(1000) // the server answers again
    assert.is(await store.get('k'), 1)
  } finally {
    await store.close()
  }
})

test.run()
server.run()
