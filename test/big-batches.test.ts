/**
 * putMany, getMany and deleteMany of any size: their script calls (at most
 * LIMITS.batchRecords records of one bucket each) go out a few at a time
 * (LIMITS.batchesInFlight), each with the store's timeout counted from when it is sent, so
 * a 200,000-record putMany neither times out while every record is written (it did: all 400
 * calls were written to the socket at once and the last ones' deadlines ran out behind the
 * first) nor keeps another client's PING waiting (1.5-2.7 s before; here under 100 ms,
 * measured by a separate process, as the app's other clients would see it). When a call
 * fails, the error names exactly the records not written.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { spawn } from 'node:child_process'
import * as assert from 'uvu/assert'
import { CacheOperationError, REST, type Key, LIMITS } from '../src/index.js'
import { BUCKETS, onSingle, rejects, redisSuite, TARGET } from './helpers.js'

const test = redisSuite('big batches')

/** The masters' ports: the server's, or every master of the cluster. */
async function masterPorts(admin: import('ioredis').Redis, port: number): Promise<number[]> {
  if (TARGET === 'single') return [port]
  const nodes = String(await admin.call('CLUSTER', 'NODES'))
  return nodes
    .split('\n')
    .filter((line) => / master /.test(` ${line.split(' ')[2]?.replace(/,/g, ' ')} `) && !line.includes('fail'))
    .map((line) => Number(line.split(' ')[1]?.split(':')[1]?.split('@')[0]))
}

/**
 * Another client, in another process: PINGs each port every 10 ms until stopped, and
 * answers the slowest round trip seen (ms) and how many PINGs it made.
 */
function pinger(ports: number[]): { stop(): Promise<{ max: number; pings: number }>; ready: Promise<void> } {
  const source = `
    import { Redis } from 'ioredis'
    const clients = ${JSON.stringify(ports)}.map((port) => new Redis(port, '127.0.0.1'))
    await Promise.all(clients.map((c) => c.ping()))
    let max = 0, pings = 0, stop = false
    process.stdin.on('data', () => (stop = true))
    console.log('ready')
    while (!stop) {
      await Promise.all(clients.map(async (c) => {
        const t = performance.now()
        await c.ping()
        max = Math.max(max, performance.now() - t)
        pings++
      }))
      await new Promise((r) => setTimeout(r, 10))
    }
    console.log(JSON.stringify({ max, pings }))
    await Promise.all(clients.map((c) => c.quit()))
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  let onReady: () => void
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk
    if (out.startsWith('ready\n')) onReady()
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return {
    ready,
    async stop() {
      child.stdin.end('stop\n')
      await exited
      return JSON.parse(out.split('\n')[1] as string) as { max: number; pings: number }
    },
  }
}

const RECORDS = 200_000
const keyOf = (i: number): Key => ['tenant', i % 50, 'user', i]

test(`putMany, getMany and deleteMany of ${RECORDS.toLocaleString('en')} records of 4 parts resolve, with a timeout shorter than the whole; another client's PING stays under 100 ms`, async ({
  cache,
  admin,
  server,
}) => {
  const store = cache({ namespace: 'big', timeout: 1000 })
  const keys = Array.from({ length: RECORDS }, (_, i) => keyOf(i))
  const ping = pinger(await masterPorts(admin, server.port))
  await ping.ready
  const started = performance.now()
  const took = { putMany: 0, getMany: 0, deleteMany: 0, pingMax: Infinity, pings: 0 }
  try {
    await store.putMany(keys.map((key, i) => [key, i]))
    took.putMany = performance.now() - started
    const values = await store.getMany(keys)
    took.getMany = performance.now() - started - took.putMany
    assert.ok(
      values.every((value, i) => value === i),
      'every value read back',
    )
    assert.is(await store.count(['tenant', REST]), RECORDS)
    assert.is(await store.deleteMany(keys), RECORDS)
    took.deleteMany = performance.now() - started - took.putMany - took.getMany
  } finally {
    const { max, pings } = await ping.stop()
    took.pingMax = max
    took.pings = pings
  }
  assert.ok(took.pings > 20, `pings: ${JSON.stringify(took)}`)
  assert.ok(took.pingMax < 100, `the slowest PING of another client took ${took.pingMax.toFixed(1)} ms (${JSON.stringify(took)})`)
  assert.is(await store.count(['tenant', REST]), 0)
})

test('a putMany whose calls fail past the first: the error names exactly the records not written; the others are written', async ({ cache, admin }) => {
  // bucketBy 1: each call holds records of one prefix (the 'a' records fill their calls first), on any number of buckets.
  const store = cache({ namespace: 'half', bucketBy: 1 })
  // Every index of ['b'] is a string: each call of 'b' records fails with WRONGTYPE.
  for (let b = 0; b < BUCKETS; b++) await admin.set(BUCKETS === 1 ? '{half}:b:#' : `{half#${b}}:b:#`, 'not an index')
  const n = 3 * LIMITS.batchRecords
  const entries: Array<[Key, number]> = [...Array.from({ length: n }, (_, i): [Key, number] => [['a', i], i]), ...Array.from({ length: n }, (_, i): [Key, number] => [['b', i], i])]
  const error = (await rejects(
    store.putMany(entries),
    CacheOperationError,
    /putMany\(\) failed for 1500 of 3000 records \(entries 1500, 1501, .*; the other 1500 were written\): WRONGTYPE/,
  )) as CacheOperationError
  assert.equal(
    error.entries,
    Array.from({ length: n }, (_, i) => n + i),
  )
  assert.is(error.sent, true)
  const values = await store.getMany(entries.map(([key]) => key).slice(0, n))
  assert.ok(
    values.every((value, i) => value === i),
    "every 'a' record written",
  )
  assert.is(await store.count(['a', REST]), n)
  for (let b = 0; b < BUCKETS; b++) await admin.del(BUCKETS === 1 ? '{half}:b:#' : `{half#${b}}:b:#`)
  assert.equal(await store.getMany([['b', 0]]), [undefined])
})

onSingle(test)('a getMany or deleteMany whose calls fail names the records not read or deleted', async ({ cache, admin }) => {
  const store = cache({ namespace: 'half2' })
  const keys: Key[] = Array.from({ length: 1200 }, (_, i) => ['a', i])
  await store.putMany(keys.map((key) => [key, 1]))
  // A user that may not run MGET or scripts: every call of the store's is refused.
  await admin.call('ACL', 'SETUSER', 'nomget', 'on', 'nopass', '~*', '+@all', '-mget', '-evalsha', '-eval')
  const blocked = cache({ namespace: 'half2', redis: `redis://nomget@127.0.0.1:${(await admin.config('GET', 'port'))[1]}` })
  try {
    const error = (await rejects(blocked.getMany(keys), CacheOperationError, /getMany\(\) failed for 1200 of 1200 records \(.*none was read\): NOPERM/)) as CacheOperationError
    assert.equal(
      error.entries,
      keys.map((_, i) => i),
    )
    const deleting = (await rejects(
      blocked.deleteMany(keys),
      CacheOperationError,
      /deleteMany\(\) failed for 1200 of 1200 records \(.*none was deleted\): NOPERM/,
    )) as CacheOperationError
    assert.equal(
      deleting.entries,
      keys.map((_, i) => i),
    )
    assert.is(await store.count(['a', REST]), 1200)
  } finally {
    await admin.call('ACL', 'DELUSER', 'nomget')
  }
})

test.run()
