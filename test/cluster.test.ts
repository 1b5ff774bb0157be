/**
 * A real Redis Cluster (3 masters, 1 replica each, started once for this file): the API
 * contract with 1 and 64 buckets, how records spread over the masters, and a failover
 * under load.
 */
// test-targets: single
// test-clients: ioredis node-redis5 glide
import { spawnSync } from 'node:child_process'
import { Cluster as IoCluster, Redis, type Cluster } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCluster, type EmbeddedCluster } from '../scripts/embedded-cluster.js'
import { ANY, CacheOperationError, RedisCache, type Key, type RedisCacheArgs } from '../src/index.js'
import { contractSuite, type Target } from './contract.js'
import { CLIENT, freePort } from './helpers.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
import { RedisSessionStore } from '../src/session/index.js'
import * as redis5 from 'redis5'
import * as redis6 from 'redis'

let cluster: EmbeddedCluster
const clients: Array<{ quit(): Promise<unknown>; disconnect(): unknown }> = []
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** TEST_CLIENT=glide: one GlideClusterClient for every store of this file (made asynchronously; a store never closes it). */
let glideClient: Cluster | undefined

/** A cluster client for a store: ioredis's Cluster, or under TEST_CLIENT a node-redis cluster (createCluster()) or the GLIDE one. */
function client(): Cluster {
  if (glideClient) return glideClient
  if (CLIENT !== 'ioredis') {
    const rootNodes = cluster.startupNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` }))
    const made = CLIENT === 'node-redis5' ? redis5.createCluster({ rootNodes }) : redis6.createCluster({ rootNodes })
    made.on('error', () => undefined)
    made.connect().catch(() => undefined)
    clients.push({ quit: () => made.close(), disconnect: () => made.destroy() })
    return made as unknown as Cluster
  }
  const made = cluster.client()
  clients.push(made)
  return made
}

async function flushMasters(): Promise<void> {
  for (const port of await cluster.masters()) {
    const node = new Redis(port, '127.0.0.1')
    await node.flushall()
    await node.quit()
  }
}

async function keysPerMaster(): Promise<number[]> {
  const counts: number[] = []
  for (const port of await cluster.masters()) {
    const node = new Redis(port, '127.0.0.1')
    counts.push(await node.dbsize())
    await node.quit()
  }
  return counts
}

const target = (): Target => ({
  cache: (options = {}) => new RedisCache(...([{ ...options, redis: client() }] as RedisCacheArgs<never>)),
  reset: flushMasters,
})

const setup = suite('cluster: start')
setup('a 3-master cluster with a replica each starts', async () => {
  cluster = await startCluster(3, 1)
  assert.is((await cluster.masters()).length, 3)
  if (CLIENT === 'glide') {
    const { GlideClusterClient, Logger } = await import('@valkey/valkey-glide')
    Logger.setLoggerConfig('off')
    glideClient = (await GlideClusterClient.createClient({ addresses: cluster.startupNodes, requestTimeout: 20_000 })) as unknown as Cluster
  }
})
setup.run()

for (const buckets of [1, 64]) {
  const test = contractSuite(`contract, cluster, ${buckets} bucket(s)`, target, { buckets, bucketBy: 2 })
  test.after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())))
  })
  test.run()
}

const test = suite('cluster')
test.after.each(async () => {
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())))
})

const signIns = (users: number): Array<[Key, number]> =>
  Array.from(
    { length: users },
    (_, u): Array<[Key, number]> => [
      [`sid${u}`, u],
      [['user', u], u],
      [['user', u, 'session', `sid${u}`], u],
    ],
  ).flat()

test('one bucket lives on one master; 64 buckets spread over all three', async () => {
  await flushMasters()
  const single = new RedisCache({ redis: client() })
  await single.putMany(signIns(300))
  const one = await keysPerMaster()
  assert.is(one.filter((n) => n > 0).length, 1, `keys per master: ${one}`)
  await flushMasters()
  const spread = new RedisCache({ redis: client(), buckets: 64, bucketBy: 2 })
  await spread.putMany(signIns(300))
  const three = await keysPerMaster()
  assert.ok(
    three.every((n) => n > 100),
    `keys per master: ${three}`,
  )
  assert.is((await spread.all(['user', 7, 'session', ANY])).length, 1)
  assert.is((await spread.all(['user', ANY])).length, 300)
  assert.ok((await spread.verify()).ok)
  assert.is(await spread.clear(), 900)
  assert.equal(await keysPerMaster(), [0, 0, 0])
  await single.close()
  await spread.close()
})

test('failover: a master killed under load; after its replica takes over the same store, session store and Keyv adapter work on, and verify() finds nothing broken', async () => {
  await flushMasters()
  const store = new RedisCache({ redis: client(), buckets: 64, bucketBy: 2, timeout: 1000, ttl: 600_000 })
  const sessions = new RedisSessionStore({ redis: client(), buckets: 64, timeout: 1000, userOf: (session) => (session as { user?: number }).user })
  const keyv = new KeyvPrefixCache({ redis: client(), buckets: 64, namespace: 'kv', timeout: 1000 })
  await store.putMany(signIns(200))
  const side = { ok: 0, failed: 0, others: [] as unknown[] }
  const sideCall = async (call: () => Promise<unknown>) => {
    try {
      await call()
      side.ok++
    } catch (error) {
      if (error instanceof CacheOperationError) side.failed++
      else side.others.push(error)
      await sleep(20)
    }
  }
  const [victim] = await cluster.masters()
  const node = cluster.nodes.find((n) => n.port === victim)!
  let stop = false
  let ok = 0
  let failed = 0
  const workers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const u = (i * 8 + w) % 200
      try {
        if (i % 3 === 0)
          await store.putMany([
            [['user', u, 'session', `x${i}`], i],
            [['user', u], i],
          ])
        else if (i % 3 === 1) await store.all(['user', u, 'session', ANY])
        else await store.deleteAll(['user', u, 'session', `x${i - 1}`])
        ok++
      } catch (error) {
        assert.instance(error, CacheOperationError)
        failed++
        await sleep(20)
      }
    }
  })
  const sideWorkers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const sid = `s${w}-${i % 50}`
      await sideCall(() => (i % 2 === 0 ? sessions.set(sid, { cookie: { maxAge: 600_000 }, user: w } as never) : sessions.get(sid)))
      await sideCall(() => (i % 2 === 0 ? keyv.set(`k${w}-${i % 50}`, String(i)) : keyv.get(`k${w}-${i % 50}`)))
    }
  })
  await sleep(300)
  await node.process.kill('SIGKILL')
  await cluster.ready(30_000) // the replica has been promoted and every slot is served again
  const okAfterFailover = ok
  const sideAfterFailover = side.ok
  await sleep(1500)
  stop = true
  await Promise.all([...workers, ...sideWorkers])
  assert.ok(ok > okAfterFailover, `no call succeeded after the failover (${failed} failed)`)
  assert.ok(side.ok > sideAfterFailover, `no session or Keyv call succeeded after the failover (${side.failed} failed)`)
  assert.equal(side.others, [], 'session and Keyv failures are CacheOperationErrors')
  // Written after the failover, on every bucket: each session is listed under its user, each Keyv value read back.
  for (let i = 0; i < 64; i++) {
    await sessions.set(`after-${i}`, { cookie: { maxAge: 600_000 }, user: 1000 + (i % 4) } as never)
    assert.ok(await keyv.set(`after-${i}`, String(i)))
  }
  for (let u = 0; u < 4; u++) {
    const listed = (await sessions.sessionsOf(1000 + u)).map((s) => s.id).sort()
    assert.is(listed.length, 16, `user ${1000 + u}: ${listed.length} sessions listed`)
  }
  for (let i = 0; i < 64; i++) assert.is(await keyv.get(`after-${i}`), String(i))
  await sessions.close()
  await keyv.disconnect()
  assert.is((await cluster.masters()).length, 3)
  const report = await store.verify()
  assert.ok(report.ok, JSON.stringify(report).slice(0, 400))
  assert.is((await store.all(['user', 5, 'session', ANY])).length >= 1, true)
  await store.close() // on GLIDE: the clients of its own it opened on the nodes
})

test('a cluster client whose seed nodes are partly down (a master killed earlier, a node gone) connects through one that is up: calls and watch() work', async () => {
  // node-redis tries its root nodes from a random one: with three of four down, six clients in a row
  // all starting from the live one is a chance of 1 in 4,096.
  const dead = await Promise.all([freePort(), freePort(), freePort()])
  const live = (await cluster.masters())[0] as number
  const seeds = [...dead.map((port) => ({ host: '127.0.0.1', port })), { host: '127.0.0.1', port: live }]
  for (let round = 0; round < 6; round++) {
    let native: Cluster
    let closeNative: () => Promise<unknown>
    if (CLIENT === 'glide') {
      const { GlideClusterClient } = await import('@valkey/valkey-glide')
      const made = await GlideClusterClient.createClient({ addresses: seeds, requestTimeout: 5000 })
      native = made as unknown as Cluster
      closeNative = async () => made.close()
    } else if (CLIENT !== 'ioredis') {
      const rootNodes = seeds.map(({ host, port }) => ({ url: `redis://${host}:${port}` }))
      const made = CLIENT === 'node-redis5' ? redis5.createCluster({ rootNodes }) : redis6.createCluster({ rootNodes })
      made.on('error', () => undefined)
      const connecting = made.connect().catch(() => undefined)
      native = made as unknown as Cluster
      closeNative = () => connecting.then(() => made.close()).catch(() => undefined)
    } else {
      const made = new IoCluster(seeds)
      made.on('error', () => undefined)
      native = made
      closeNative = () => made.quit().catch(() => made.disconnect())
    }
    const store = new RedisCache({ redis: native, buckets: 64, bucketBy: 2, timeout: 5000 })
    try {
      if (round % 2 === 0) {
        await store.put(['seed', round], 'x')
        assert.is(await store.get(['seed', round]), 'x')
      } else {
        await store.watch({ configureNotifications: true })
        await store.unwatch()
      }
    } finally {
      await store.close()
      await closeNative()
    }
  }
})

test('expiry events: records expiring on every master are each reported once; after a failover, the promoted master reports too', async () => {
  await flushMasters()
  const ports = await cluster.masters()
  for (const port of ports) {
    const node = new Redis(port, '127.0.0.1')
    await node.config('SET', 'notify-keyspace-events', '')
    await node.quit()
  }
  const store = new RedisCache({ redis: client(), buckets: 64, bucketBy: 2, timeout: 2000 })
  const expired: string[] = []
  store.on('expired', (key) => expired.push(JSON.stringify(key)))
  await store.watch({ configureNotifications: true }) // sets it on every master
  const wave = async (name: string, count: number) => {
    const keys: Key[] = Array.from({ length: count }, (_, u) => [name, u, 'session', 's'])
    await store.putMany(
      keys.map((key) => [key, 1]),
      { ttl: 100 },
    )
    const until = Date.now() + 10_000
    while (expired.filter((k) => k.startsWith(`["${name}"`)).length < count && Date.now() < until) await sleep(50)
    await sleep(300)
    return { keys, seen: expired.filter((k) => k.startsWith(`["${name}"`)) }
  }
  const before = await wave('before', 300)
  assert.equal(before.seen.sort(), before.keys.map((k) => JSON.stringify(k)).sort(), 'each record once')
  assert.ok((await keysPerMaster()).every((n) => n === 0))

  // Fail over a master whose replica is still there (the previous test used up one shard's).
  let victim: number | undefined
  for (const port of await cluster.masters()) {
    const node = new Redis(port, '127.0.0.1')
    if (/connected_slaves:1/.test(await node.info('replication'))) victim = port
    await node.quit()
  }
  assert.ok(victim, 'a master with a replica')
  await cluster.nodes.find((n) => n.port === victim)!.process.kill('SIGKILL')
  await cluster.ready(30_000)
  await sleep(1500) // ioredis refreshes its view of the cluster, and the watcher follows it
  // The watcher's subscribers follow node-redis's view of the cluster, which changes when a call
  // for the dead master's slots has it rediscover (node-redis.ts): there the first waves may
  // miss the promoted master's events.
  let after: Awaited<ReturnType<typeof wave>> | undefined
  for (let tries = CLIENT === 'ioredis' ? 1 : 4; !after; tries--) {
    after = await wave(`after${tries}`, 300).catch((error) => {
      if (tries === 1 || !(error instanceof CacheOperationError)) throw error
      return undefined
    })
  }
  assert.equal(after.seen.sort(), after.keys.map((k) => JSON.stringify(k)).sort(), "every record once, the promoted master's too")
  await store.close()
})

if (CLIENT === 'glide') {
  test("GLIDE: a store the app never closes keeps no process alive once the app has closed its client (the store's own clients on the nodes close when idle)", async () => {
    const masters = (await cluster.masters()).map((port) => ({ host: '127.0.0.1', port }))
    const program = `
      const { GlideClusterClient, Logger } = await import('@valkey/valkey-glide')
      Logger.setLoggerConfig('off')
      const { RedisCache } = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)})
      const client = await GlideClusterClient.createClient({ addresses: ${JSON.stringify(masters)}, requestTimeout: 5000 })
      const store = new RedisCache({ redis: client, buckets: 64, bucketBy: 1, namespace: 'unclosed' })
      await store.put(['k'], 1)
      const report = await store.verify() // a SCAN on every master, through the store's own clients
      client.close()
      const closedAt = Date.now()
      process.on('exit', () => console.log(JSON.stringify({ ok: report.ok, exitedAfter: Date.now() - closedAt })))
    `
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { encoding: 'utf8', timeout: 30_000 })
    assert.is(run.signal, null, `still running after 30 s: ${run.stderr}`)
    assert.is(run.status, 0, run.stderr)
    const { ok, exitedAfter } = JSON.parse(run.stdout.trim().split('\n').pop() as string)
    assert.ok(ok)
    assert.ok(exitedAfter < 15_000, `exited ${exitedAfter} ms after the app closed its client`)
  })
}

test.after(async () => {
  ;(glideClient as unknown as { close(): void } | undefined)?.close()
  await cluster?.stop()
})

test.run()
