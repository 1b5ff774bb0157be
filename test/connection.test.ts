/**
 * The client the store talks through: commands of one turn of the event loop leave in a few
 * socket writes, one per COALESCE_CALLS calls (coalesceWrites), on a client the store made
 * and on one passed in, and on a Cluster client's node connections (cluster suite); a client
 * made with lazyConnect is connected by the first call.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey
import { Redis, type Cluster } from 'ioredis'
import * as assert from 'uvu/assert'
import { COALESCE_CALLS } from '../src/client/coalesce.js'
import { RedisCache } from '../src/index.js'
import { onIoredis, onSingle, redisSuite, TARGET } from './helpers.js'

const test = redisSuite('connection')

/** Counts the socket's writes to the kernel (each _write or _writev call is one). */
function countWrites(client: Redis): { count: number } {
  const counter = { count: 0 }
  const socket = client.stream as unknown as { _write: (...a: unknown[]) => unknown; _writev?: (...a: unknown[]) => unknown }
  const write = socket._write.bind(socket)
  socket._write = (...args: unknown[]) => {
    counter.count++
    return write(...args)
  }
  if (socket._writev) {
    const writev = socket._writev.bind(socket)
    socket._writev = (...args: unknown[]) => {
      counter.count++
      return writev(...args)
    }
  }
  return counter
}

const MOST = Math.ceil(50 / COALESCE_CALLS) + 1

async function burst(store: RedisCache, client: Redis): Promise<number> {
  await store.put('k', 1)
  const writes = countWrites(client)
  const answers = await Promise.all(Array.from({ length: 50 }, () => store.get('k')))
  assert.equal(answers, Array(50).fill(1))
  return writes.count
}

onSingle(test)('fifty calls in one turn leave in a write per COALESCE_CALLS calls; without coalescing, about one write each', async ({ client }) => {
  const own = new RedisCache({ redis: client() })
  const coalesced = await burst(own, own.redis as Redis)
  assert.ok(coalesced <= MOST, `${coalesced} writes for 50 calls`)
  const off = new RedisCache({ redis: client(), coalesceWrites: false })
  const separate = await burst(off, off.redis as Redis)
  assert.ok(separate >= 10, `${separate} writes for 50 calls without coalescing`)
  assert.throws(() => new RedisCache({ redis: client(), coalesceWrites: 'yes' as never }), /options\.coalesceWrites must be a boolean/)
})

onSingle(test)('calls made by separate callbacks of one phase of the event loop (timers here; HTTP requests read in one poll) share the writes too', async ({ client }) => {
  const store = new RedisCache({ redis: client() })
  await store.put('k', 1)
  await store.get('k') // the server's eviction policy read: later calls go out at once
  const writes = countWrites(store.redis as Redis)
  const answers = await Promise.all(Array.from({ length: 20 }, () => new Promise<unknown>((resolve, reject) => setTimeout(() => store.get('k').then(resolve, reject), 0))))
  assert.equal(answers, Array(20).fill(1))
  assert.ok(writes.count <= Math.ceil(20 / COALESCE_CALLS) + 1, `${writes.count} writes for 20 calls from 20 timer callbacks`)
})

onSingle(onIoredis(test))('a store made from a URL coalesces too, and a lazyConnect client passed in is connected by the first call', async ({ server, cache }) => {
  const store = cache()
  await store.has('warm-up')
  const coalesced = await burst(store, store.redis as Redis)
  assert.ok(coalesced <= MOST, `${coalesced} writes for 50 calls`)
  const lazy = new Redis(server.url, { lazyConnect: true })
  try {
    const onLazy = new RedisCache({ redis: lazy, timeout: 2000 })
    assert.is(lazy.status, 'wait')
    assert.is(await onLazy.get('k'), 1)
    assert.is(lazy.status, 'ready')
  } finally {
    lazy.disconnect()
  }
})

/** Counts the writes of every node socket of a Cluster client. */
function countClusterWrites(cluster: Cluster): { readonly count: number } {
  const counters = cluster.nodes('all').map((node) => countWrites(node))
  return {
    get count() {
      return counters.reduce((sum, c) => sum + c.count, 0)
    },
  }
}

;(TARGET === 'cluster' ? onIoredis(test) : test.skip)("on a Cluster client, the node connections' writes are coalesced too; without, about one write each", async ({ cache }) => {
  for (const [coalesceWrites, check] of [
    [true, (n: number) => n <= MOST],
    [false, (n: number) => n >= 10],
  ] as const) {
    const store = cache({ coalesceWrites })
    await store.put('k', 1)
    await Promise.all(Array.from({ length: 20 }, () => store.get('k'))) // every node connected
    const writes = countClusterWrites(store.redis as Cluster)
    const answers = await Promise.all(Array.from({ length: 50 }, () => store.get('k')))
    assert.equal(answers, Array(50).fill(1))
    assert.ok(check(writes.count), `${writes.count} writes for 50 calls (coalesceWrites: ${coalesceWrites})`)
  }
})

test.run()
