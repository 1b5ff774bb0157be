/** The sign-in flow on a 3-master Redis Cluster with 1 and 64 buckets, and the share of commands each master serves. */
import { Redis } from 'ioredis'
import { RedisCache } from '../built.js'
import { startCluster } from '../../embedded-cluster.js'
import { alternate, CALLERS, log, record, roundMs, throughput, TTL } from '../harness.js'
import { signInCluster } from '../names.js'
import { signIn } from './sign-in.js'

export const clusterShares: Record<string, number[]> = {}

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
