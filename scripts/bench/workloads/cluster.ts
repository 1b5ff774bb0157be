/**
 * The sign-in flow on a 3-master Redis Cluster with 1 and 64 buckets, and the share of
 * commands each master serves; then reads (a user's sessions listed and read) on a cluster
 * with a replica a master, through a client that reads from masters and one that reads from
 * replicas (ioredis scaleReads), with the commands each node serves.
 */
import { Redis } from 'ioredis'
import type { Key } from '../../../src/index.js'
import { ANY, RedisCache } from '../built.js'
import { startCluster } from '../../embedded-cluster.js'
import { alternate, CALLERS, log, random, record, roundMs, throughput, TTL, VALUE } from '../harness.js'
import { clusterReads, signInCluster } from '../names.js'
import { signIn } from './sign-in.js'

export const clusterShares: Record<string, number[]> = {}
/** Per read setting: the share of the reads' commands served by the masters and by the replicas. */
export const replicaShares: Record<string, { masters: number; replicas: number }> = {}

export async function clusterWorkload(): Promise<void> {
  log('sign-in flow on a 3-master cluster, 1 and 64 buckets')
  const cluster = await startCluster(3, 0)
  const masters = await cluster.masters()
  const calls = async () =>
    Promise.all(
      masters.map(async (port) => {
        const node = new Redis(port, '127.0.0.1')
        const stats = await node.info('commandstats')
        await node.quit()
        return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
      }),
    )
  const stores = Object.fromEntries([1, 64].map((buckets) => [buckets, new RedisCache({ redis: cluster.client(), namespace: 'bench', buckets, bucketBy: 2, ttl: TTL })]))
  const served: Record<number, number[]> = { 1: masters.map(() => 0), 64: masters.map(() => 0) }
  const measure = (buckets: number) => async () => {
    const before = await calls()
    record(signInCluster(buckets), 'ours', await throughput(roundMs, CALLERS, () => signIn(stores[buckets] as RedisCache)))
    const after = await calls()
    const tally = served[buckets] as number[]
    after.forEach((n, i) => (tally[i] = (tally[i] ?? 0) + n - (before[i] as number)))
  }
  await alternate([
    ['ours', measure(1)],
    ['ours', measure(64)],
  ])
  for (const buckets of [1, 64]) {
    const total = (served[buckets] as number[]).reduce((a, b) => a + b, 0)
    clusterShares[`${buckets}`] = (served[buckets] as number[]).map((n) => Number((n / total).toFixed(3)))
  }
  for (const store of Object.values(stores)) {
    await store.close()
    ;(store.redis as Redis).disconnect()
  }
  await cluster.stop()
}

/** Commands each node has run so far (INFO commandstats). */
async function commandsOn(ports: readonly number[]): Promise<number[]> {
  return Promise.all(
    ports.map(async (port) => {
      const node = new Redis(port, '127.0.0.1')
      const stats = await node.info('commandstats')
      await node.quit()
      return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
    }),
  )
}

const READ_USERS = 2000

export async function replicaReadsWorkload(): Promise<void> {
  log('reads on a 3-master cluster with a replica each: from the masters, and from the replicas (scaleReads)')
  const cluster = await startCluster(3, 1)
  const writerClient = cluster.client()
  const writer = new RedisCache({ redis: writerClient, namespace: 'reads', buckets: 64, bucketBy: 2, ttl: TTL })
  for (let u = 0; u < READ_USERS; u += 100) {
    await writer.putMany(Array.from({ length: 300 }, (_, i): [Key, unknown] => [['user', u + Math.floor(i / 3), 'session', `s${i % 3}`], VALUE]))
  }
  const masters = await cluster.masters()
  for (const port of masters) {
    const node = new Redis(port, '127.0.0.1')
    await node.wait(1, 5000)
    await node.quit()
  }
  // CLUSTER SLOTS lists a replica once the masters know its offset (gossip, each second).
  const seed = new Redis(masters[0] as number, '127.0.0.1')
  for (let i = 0; i < 100 && !((await seed.call('CLUSTER', 'SLOTS')) as unknown[][]).every((range) => range.length > 3); i++) await new Promise((r) => setTimeout(r, 100))
  await seed.quit()
  const replicas = cluster.nodes.map((n) => n.port).filter((port) => !masters.includes(port))
  const clients = { masters: cluster.client(), replicas: cluster.client({ scaleReads: 'slave' }) }
  const stores = {
    masters: new RedisCache({ redis: clients.masters, namespace: 'reads', buckets: 64, bucketBy: 2 }),
    replicas: new RedisCache({ redis: clients.replicas, namespace: 'reads', buckets: 64, bucketBy: 2 }),
  }
  const read = async (store: RedisCache) => {
    const user = random(READ_USERS)
    const sessions = await store.all(['user', user, 'session', ANY])
    await store.getMany(sessions.map(([key]) => key))
  }
  const served: Record<'masters' | 'replicas', { masters: number; replicas: number }> = { masters: { masters: 0, replicas: 0 }, replicas: { masters: 0, replicas: 0 } }
  const measure = (setting: 'masters' | 'replicas') => async () => {
    const before = await commandsOn([...masters, ...replicas])
    record(clusterReads(setting), 'ours', await throughput(roundMs, CALLERS, () => read(stores[setting])))
    const after = await commandsOn([...masters, ...replicas])
    after.forEach((n, i) => (served[setting][i < masters.length ? 'masters' : 'replicas'] += n - (before[i] as number)))
  }
  await alternate([
    ['ours', measure('masters')],
    ['ours', measure('replicas')],
  ])
  for (const setting of ['masters', 'replicas'] as const) {
    const { masters: m, replicas: r } = served[setting]
    replicaShares[setting] = { masters: Number((m / (m + r)).toFixed(3)), replicas: Number((r / (m + r)).toFixed(3)) }
  }
  for (const store of [...Object.values(stores), writer]) await store.close()
  for (const client of [...Object.values(clients), writerClient]) client.disconnect()
  await cluster.stop()
}
