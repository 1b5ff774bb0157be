/**
 * Soak: 16 connections run random put, putMany, delete, deleteAll and touch calls over a
 * small, overlapping set of keys of 1 to 4 parts, with ttls from 10 ms to 1 s and some
 * records without ttl. At checkpoints and at the end, verify() finds nothing. The same
 * workload through the seed's pipelined algorithm makes verify() find problems, which shows
 * the test can fail. SOAK_SECONDS sets the store's run (default 20).
 */
// test-targets: single cluster
// test-clients: ioredis
import * as assert from 'uvu/assert'
import { SeedCache } from '../scripts/baselines/seed-pipeline.js'
import { ANY, REST, type Key, type KeyPart, type Pattern } from '../src/index.js'
import { redisSuite, sleep, onSingle } from './helpers.js'

const test = redisSuite('soak')
const SECONDS = Number(process.env.SOAK_SECONDS ?? 20)
const CONNECTIONS = 16

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T
const alphabet: KeyPart[][] = [
  ['a', 'b'],
  [1, 2],
  ['x', 'y'],
  [1, 2],
]
const randomKey = (): KeyPart[] => alphabet.slice(0, 1 + Math.floor(Math.random() * 4)).map(pick)
const randomTtl = () => (Math.random() < 0.2 ? undefined : 10 + Math.floor(Math.random() * 990))
const randomPattern = (): Pattern => pick<Pattern>([ANY, ['a', REST], [ANY, 1], ['b', ANY, 'x'], [ANY, ANY, ANY, ANY], ['a', 2, REST], [REST]])

interface Workload {
  stop: () => Promise<number>
  pause: () => Promise<void>
  resume: () => void
}

/** Runs `op` from CONNECTIONS loops until stopped; pause() waits until no call is in flight. */
function run(op: (worker: number) => Promise<unknown>): Workload {
  let stopped = false
  let paused: Promise<void> | undefined
  let release = () => {}
  let inFlight = 0
  let calls = 0
  const idle: Array<() => void> = []
  const workers = Array.from({ length: CONNECTIONS }, async (_, worker) => {
    while (!stopped) {
      if (paused) await paused
      inFlight++
      try {
        await op(worker)
        calls++
      } finally {
        inFlight--
        if (inFlight === 0) idle.splice(0).forEach((wake) => wake())
      }
    }
  })
  return {
    async stop() {
      stopped = true
      release()
      await Promise.all(workers)
      return calls
    },
    async pause() {
      paused = new Promise((resolve) => (release = resolve))
      if (inFlight > 0) await new Promise<void>((resolve) => idle.push(resolve))
    },
    resume() {
      paused = undefined
      release()
    },
  }
}

test(`the store: ${SECONDS} s of racing writes, and verify() finds nothing at any checkpoint`, async ({ cache }) => {
  const stores = Array.from({ length: CONNECTIONS }, () => cache())
  const workload = run(async (worker) => {
    const store = stores[worker] as (typeof stores)[number]
    const ttl = randomTtl()
    switch (Math.floor(Math.random() * 5)) {
      case 0:
        return store.put(randomKey(), worker, { ttl })
      case 1:
        return store.putMany(
          Array.from({ length: 2 + Math.floor(Math.random() * 3) }, (): [Key, unknown] => [randomKey(), worker]),
          { ttl },
        )
      case 2:
        return store.delete(randomKey())
      case 3:
        return store.deleteAll(randomPattern())
      default:
        return store.touch(randomKey(), ttl ?? Infinity)
    }
  })
  const until = Date.now() + SECONDS * 1000
  let checkpoints = 0
  while (Date.now() < until) {
    await sleep(Math.min(4000, Math.max(0, until - Date.now())))
    await workload.pause()
    const report = await stores[0]!.verify()
    assert.ok(report.ok, `checkpoint ${checkpoints}: ${JSON.stringify(report).slice(0, 600)}`)
    checkpoints++
    workload.resume()
  }
  const calls = await workload.stop()
  const report = await stores[0]!.verify()
  assert.ok(report.ok, `end: ${JSON.stringify(report).slice(0, 600)}`)
  assert.ok(calls > 1000, `only ${calls} calls`)
  assert.ok(checkpoints >= 1)
})

onSingle(test)("the seed's algorithm under the same workload: verify() finds problems", async ({ cache, client }) => {
  const clients = Array.from({ length: CONNECTIONS }, () => client())
  const seed = (worker: number) => new SeedCache({ redis: clients[worker]!, ttl: randomTtl() ?? 600_000, layout: 'store' })
  const workload = run(async (worker) => {
    // The seed has no deleteAll or touch: put, putMany and delete.
    switch (Math.floor(Math.random() * 3)) {
      case 0:
        return seed(worker).put(randomKey(), worker)
      case 1:
        return seed(worker).putMany(Array.from({ length: 2 + Math.floor(Math.random() * 3) }, (): [KeyPart[], unknown] => [randomKey(), worker]))
      default:
        return seed(worker).delete(randomKey())
    }
  })
  const store = cache()
  const until = Date.now() + 15_000
  let found = false
  while (!found && Date.now() < until) {
    await sleep(500)
    await workload.pause()
    found = !(await store.verify()).ok
    workload.resume()
  }
  await workload.stop()
  assert.ok(found, "verify() found nothing wrong with the seed's writes")
})

test.run()
