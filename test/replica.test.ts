/**
 * Reads on replicas. A store on a read-only replica (`--replicaof`), to spread reads: every
 * call that only reads works, also under an evicting policy (where reads are scripts), on
 * ioredis, node-redis 5 and node-redis 6: the scripts that only read go as their read-only
 * variants (flags=no-writes, generated at build: they repair nothing), once the replica has
 * answered READONLY. A write rejects with Redis's READONLY error. And a cluster client set to
 * read from replicas (ioredis scaleReads, node-redis useReplicas) sends the store's reads
 * there. Before: all, keys, count with ANY, iterate and verify() rejected with READONLY on a
 * replica, and under an evicting policy get, getMany and has too.
 *
 * Runs once, in `npm test` (the file names its clients itself).
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { Redis } from 'ioredis'
import * as redis5 from 'redis5'
import * as redis6 from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCluster, type EmbeddedCluster } from '../scripts/embedded-cluster.js'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { ANY, CacheOperationError, REST, RedisCache, type Key } from '../src/index.js'
import { RedisSessionStore } from '../src/session/index.js'
import { CLIENT, rejects, sleep } from './helpers.js'

interface Servers {
  primary: EmbeddedRedis
  replica: EmbeddedRedis
  cluster: EmbeddedCluster
}
const test = suite<Servers>('replicas', {} as Servers)
const only = CLIENT === 'ioredis' ? test : test.skip

test.before(async (ctx) => {
  if (CLIENT !== 'ioredis') return
  ctx.primary = await startRedis()
  ctx.replica = await startRedis(['--replicaof', '127.0.0.1', String(ctx.primary.port)])
  const replica = new Redis(ctx.replica.url)
  for (let i = 0; !/master_link_status:up/.test(await replica.info('replication')); i++) {
    if (i > 100) throw new Error('the replica did not connect')
    await sleep(100)
  }
  await replica.quit()
  ctx.cluster = await startCluster(3, 1)
})
test.after(async (ctx) => {
  await ctx.replica?.stop()
  await ctx.primary?.stop()
  await ctx.cluster?.stop()
})

type Kind = 'ioredis' | 'node-redis 5' | 'node-redis 6'
const KINDS: Kind[] = ['ioredis', 'node-redis 5', 'node-redis 6']

/** A client of that kind on a URL, connected, and how to close it. */
async function clientOf(kind: Kind, url: string): Promise<{ client: unknown; close(): Promise<unknown> }> {
  if (kind === 'ioredis') {
    const client = new Redis(url)
    return { client, close: () => client.quit() }
  }
  const made = kind === 'node-redis 5' ? redis5.createClient({ url }) : redis6.createClient({ url })
  made.on('error', () => undefined)
  await made.connect()
  return { client: made, close: () => made.close() }
}

/** What every read call of a store answers, for comparing a replica's store with the primary's. */
async function reads(store: RedisCache, sessions: RedisSessionStore) {
  const keys: Key[] = [['user', 1, 'session', 'a'], ['user', 2, 'session', 'b'], ['nobody']]
  const listed: Key[] = []
  for await (const [key] of store.iterate(['user', REST], { count: 2 })) listed.push(key)
  return {
    get: await store.get(keys[0] as Key),
    getMany: await store.getMany(keys),
    has: [await store.has(keys[0] as Key), await store.has(['nobody'])],
    ttl: (await store.ttl(keys[0] as Key)) !== undefined,
    all: await store.all(['user', ANY, 'session', ANY]),
    keys: await store.keys(['user', REST]),
    countAny: await store.count(['user', ANY, 'session', ANY]),
    countRest: await store.count(['user', REST]),
    iterate: listed.map((key) => JSON.stringify(key)).sort(),
    verify: (await store.verify()).ok,
    session: await sessions.get('s1'),
    sessionsOf: (await sessions.sessionsOf(7)).map((s) => s.id),
    length: await sessions.length(),
  }
}

for (const kind of KINDS) {
  only(
    `${kind}: a store on a read-only replica answers every read as the primary's does, also under an evicting policy; a write rejects with READONLY`,
    async ({ primary, replica }) => {
      const writer = new RedisCache({ redis: primary.url, namespace: 'r', ttl: 600_000 })
      const writerSessions = new RedisSessionStore({ redis: primary.url, userOf: (s) => (s as { user?: number }).user })
      const admin = new Redis(primary.url)
      const onReplica = new Redis(replica.url)
      const { client, close } = await clientOf(kind, replica.url)
      try {
        await admin.flushall()
        await writer.putMany([
          [['user', 1, 'session', 'a'], { n: 1 }],
          [['user', 2, 'session', 'b'], { n: 2 }],
          [['user', 1], 'one'],
        ])
        await writerSessions.set('s1', { cookie: { maxAge: 600_000 }, user: 7 } as never)
        assert.ok((await admin.wait(1, 2000)) >= 1, 'the replica has the writes')
        const expected = await reads(writer, writerSessions)
        for (const policy of ['noeviction', 'allkeys-lru']) {
          await onReplica.config('SET', 'maxmemory-policy', policy)
          const store = new RedisCache({ redis: client as never, namespace: 'r' })
          const sessions = new RedisSessionStore({ redis: client as never })
          try {
            assert.equal(await reads(store, sessions), expected, `${policy}: the replica's answers`)
            const error = await rejects(store.put(['x'], 1), CacheOperationError, /READONLY You can't write against a read only replica/)
            assert.is((error as CacheOperationError).sent, true)
          } finally {
            await store.close()
            await sessions.close()
          }
        }
      } finally {
        await onReplica.config('SET', 'maxmemory-policy', 'noeviction')
        await close()
        await writer.close()
        await writerSessions.close()
        await admin.quit()
        await onReplica.quit()
      }
    },
  )
}

/** How many commands each of these nodes has run: total calls of INFO commandstats, read-family scripts and plain reads. */
async function readsOn(ports: number[]): Promise<number> {
  let total = 0
  for (const port of ports) {
    const node = new Redis(port, '127.0.0.1')
    const stats = await node.info('commandstats')
    await node.quit()
    for (const [, name, calls] of stats.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
      if (/^(evalsha|evalsha_ro|eval|eval_ro|get|mget|exists|pttl)$/.test(name as string)) total += Number(calls)
    }
  }
  return total
}

async function replicaPorts(cluster: EmbeddedCluster): Promise<number[]> {
  const masters = new Set(await cluster.masters())
  return cluster.nodes.filter((n) => !masters.has(n.port) && n.process.child.exitCode === null).map((n) => n.port)
}

for (const kind of ['ioredis scaleReads', 'node-redis useReplicas'] as const) {
  only(`a cluster client reading from replicas (${kind}): the store's reads go to the replicas and answer as the masters do`, async ({ cluster }) => {
    const writerClient = cluster.client()
    const writer = new RedisCache({ redis: writerClient, namespace: 'cr', buckets: 16, bucketBy: 2 })
    const entries = Array.from({ length: 200 }, (_, i): [Key, number] => [['user', i % 20, 'item', i], i])
    await writer.putMany(entries)
    for (const port of await cluster.masters()) {
      const node = new Redis(port, '127.0.0.1')
      await node.wait(1, 2000)
      await node.quit()
    }
    // CLUSTER SLOTS lists a replica once its masters know its replication offset (gossiped each
    // second): only then can a client read from it. The client asks any node it knows, so
    // every node must list them (CI once saw a client read the slots from a node that did not
    // yet, and send every read to the masters).
    for (const node of cluster.nodes.filter((n) => n.process.child.exitCode === null)) {
      const seed = new Redis(node.port, '127.0.0.1')
      for (let i = 0; ; i++) {
        const slots = (await seed.call('CLUSTER', 'SLOTS')) as unknown[][]
        if (slots.length > 0 && slots.every((range) => range.length > 3)) break
        if (i > 100) throw new Error(`CLUSTER SLOTS of ${node.port} lists no replica`)
        await sleep(100)
      }
      await seed.quit()
    }
    let native: unknown
    let close: () => Promise<unknown>
    if (kind === 'ioredis scaleReads') {
      const made = cluster.client({ scaleReads: 'slave' })
      native = made
      close = () => made.quit()
    } else {
      const made = redis6.createCluster({ rootNodes: cluster.startupNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })), useReplicas: true })
      made.on('error', () => undefined)
      await made.connect()
      native = made
      close = () => made.close()
    }
    const reader = new RedisCache({ redis: native as never, namespace: 'cr', buckets: 16, bucketBy: 2 })
    try {
      const replicas = await replicaPorts(cluster)
      const before = await readsOn(replicas)
      assert.equal(
        await reader.getMany(entries.map(([key]) => key)),
        entries.map(([, value]) => value),
      )
      assert.is((await reader.all(['user', ANY, 'item', ANY])).length, 200)
      assert.is((await reader.keys(['user', 3, REST])).length, 10)
      assert.is(await reader.count(['user', ANY, 'item', ANY]), 200)
      assert.is(await reader.get(['user', 3, 'item', 3]), 3)
      const after = await readsOn(replicas)
      assert.ok(after - before >= 16, `reads on the replicas: ${after - before}`)
    } finally {
      await reader.close()
      await writer.close()
      await writerClient.quit()
      await close()
    }
  })
}

test.run()
