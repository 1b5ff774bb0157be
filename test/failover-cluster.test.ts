/**
 * A Redis Cluster master dies and its replica takes over: stores whose keys live on the
 * masters that never died answer at once, on a store idle during the failover and on one
 * busy throughout, on node-redis 5, node-redis 6 and ioredis cluster clients; the store
 * whose master died answers on its first call after the promotion.
 *
 * A node-redis cluster once stalled them: a store that had been idle re-read the
 * maxmemory-policy of every master (its client's ready count had changed) and the CONFIG
 * GET to the dead master waited in its reconnecting client until the call's timeout; and
 * node-redis learnt of the promoted replica only after a call timed out. Each client gets a
 * failover of its own: 3 masters with 2 replicas each, a different shard each time.
 *
 * Runs once, in `npm test` (the file names its clients itself).
 */
// test-targets: single
// test-clients: ioredis
import { Redis } from 'ioredis'
import * as redis5 from 'redis5'
import * as redis6 from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCluster, type EmbeddedCluster } from '../scripts/embedded-cluster.js'
import { RedisCache } from '../src/index.js'
import { CLIENT, sleep } from './helpers.js'

const test = suite<{ cluster: EmbeddedCluster }>('cluster failover: healthy masters answer at once', {} as { cluster: EmbeddedCluster })
const only = CLIENT === 'ioredis' ? test : test.skip

test.before(async (ctx) => {
  if (CLIENT === 'ioredis') ctx.cluster = await startCluster(3, 2)
})
test.after(async (ctx) => {
  await ctx.cluster?.stop()
})

type Kind = 'node-redis 5' | 'node-redis 6' | 'ioredis'

/** A cluster client of that kind, connected, and how to close it. */
async function clusterClient(cluster: EmbeddedCluster, kind: Kind): Promise<{ client: unknown; close(): Promise<unknown> }> {
  if (kind === 'ioredis') {
    const client = cluster.client()
    client.on('error', () => undefined)
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))
    return { client, close: () => client.quit().catch(() => client.disconnect()) }
  }
  const rootNodes = cluster.startupNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` }))
  const made = kind === 'node-redis 5' ? redis5.createCluster({ rootNodes }) : redis6.createCluster({ rootNodes })
  made.on('error', () => undefined)
  await made.connect()
  return { client: made, close: () => Promise.resolve(made.destroy()) }
}

/** The port of the master serving each slot now. */
async function slotMasters(cluster: EmbeddedCluster): Promise<(slot: number) => number> {
  const [port] = await cluster.masters()
  const node = new Redis(port as number, '127.0.0.1')
  const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
  await node.quit()
  return (slot) => (ranges.find(([from, to]) => slot >= from && slot <= to) as [number, number, [string, number]])[2][1]
}

/** Namespaces whose one bucket lives on each master: port -> namespace. */
async function namespacesByMaster(cluster: EmbeddedCluster, prefix: string): Promise<Map<number, string>> {
  const masterOf = await slotMasters(cluster)
  const [port] = await cluster.masters()
  const node = new Redis(port as number, '127.0.0.1')
  const found = new Map<number, string>()
  try {
    for (let i = 0; found.size < 3; i++) {
      const namespace = `${prefix}${i}`
      const master = masterOf(Number(await node.call('CLUSTER', 'KEYSLOT', `{${namespace}}`)))
      if (!found.has(master)) found.set(master, namespace)
    }
  } finally {
    await node.quit()
  }
  return found
}

/** A master with two replicas: one whose shard has not failed over yet. */
async function victimWithReplicas(cluster: EmbeddedCluster): Promise<number> {
  for (const port of await cluster.masters()) {
    const node = new Redis(port, '127.0.0.1')
    const replicas = Number(/connected_slaves:(\d+)/.exec(await node.info('replication'))?.[1] ?? 0)
    await node.quit()
    if (replicas === 2) return port
  }
  throw new Error('no master with two replicas is left')
}

/** How long a call takes (ms), and its error if it failed. */
async function timed(call: () => Promise<unknown>): Promise<{ ms: number; error?: string }> {
  const started = performance.now()
  try {
    await call()
    return { ms: performance.now() - started }
  } catch (error) {
    return { ms: performance.now() - started, error: (error as Error).message }
  }
}

for (const kind of ['node-redis 5', 'node-redis 6', 'ioredis'] as const) {
  only(
    `${kind}: after another master fails over, idle and busy stores on healthy masters answer at once; the dead master's store answers on its first call after the promotion`,
    async ({ cluster }) => {
      const prefix = `f${kind.replace(/\W/g, '')}`
      const namespaces = await namespacesByMaster(cluster, prefix)
      const { client, close } = await clusterClient(cluster, kind)
      const stores: RedisCache[] = []
      let stop = false
      const store = (namespace: string) => {
        const made = new RedisCache({ redis: client as never, namespace, timeout: 5000 })
        stores.push(made)
        return made
      }
      try {
        const victim = await victimWithReplicas(cluster)
        const idle = new Map([...namespaces].map(([port, namespace]) => [port, store(namespace)]))
        const healthy = [...namespaces].find(([port]) => port !== victim) as [number, string]
        const busy = store(healthy[1])
        for (const each of [...idle.values(), busy]) await each.put('seed', 1)

        let promoted = false
        const afterPromotion: Array<{ ms: number; error?: string }> = []
        const busyLoop = (async () => {
          while (!stop) {
            // Only calls made after the promotion count: one made before may have waited through it.
            const after = promoted
            const result = await timed(() => busy.get('seed'))
            if (after) afterPromotion.push(result)
            await sleep(5)
          }
        })()
        await cluster.nodes.find((n) => n.port === victim)?.process.kill('SIGKILL')
        await cluster.ready(30_000)
        promoted = true

        for (const [port, each] of idle) {
          if (port === victim) continue
          const result = await timed(() => each.get('seed'))
          assert.is(result.error, undefined, `idle store on healthy master ${port}: ${result.error}`)
          assert.ok(result.ms < 1000, `idle store on healthy master ${port} answered after ${result.ms.toFixed(0)} ms`)
        }
        const dead = await timed(() => (idle.get(victim) as RedisCache).get('seed'))
        assert.is(dead.error, undefined, `the dead master's store, first call after the promotion: ${dead.error}`)
        assert.ok(dead.ms < 2000, `the dead master's store answered after ${dead.ms.toFixed(0)} ms`)

        await sleep(300)
        stop = true
        await busyLoop
        assert.ok(afterPromotion.length > 5, `busy calls after the promotion: ${afterPromotion.length}`)
        const failed = afterPromotion.filter((r) => r.error)
        assert.equal(failed, [], 'busy store: calls after the promotion failed')
        const slowest = Math.max(...afterPromotion.map((r) => r.ms))
        assert.ok(slowest < 1000, `busy store: the slowest call after the promotion took ${slowest.toFixed(0)} ms`)
      } finally {
        stop = true
        for (const each of stores) await each.close().catch(() => undefined)
        await close()
      }
    },
  )
}

test.run()
