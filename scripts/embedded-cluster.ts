/**
 * A throwaway Redis Cluster on loopback for tests and the benchmark: 3 masters with one
 * replica each, from redis-server processes with explicit cluster bus ports and a temporary
 * directory each, joined with `redis-cli --cluster create` (valkey-cli beside a valkey-server:
 * findRedisCli). stop() removes everything.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { findRedisCli, spawnRedisServer, type RedisProcess } from './embedded-redis.js'

export interface ClusterNode {
  readonly port: number
  readonly dir: string
  process: RedisProcess
}

export interface EmbeddedCluster {
  readonly nodes: ClusterNode[]
  /** Host and port of every node, for `new Cluster(startupNodes)`. */
  readonly startupNodes: Array<{ host: string; port: number }>
  /** A new ioredis Cluster client (the caller quits it). */
  client(options?: ConstructorParameters<typeof Cluster>[1]): Cluster
  /** The ports of the nodes that are masters now. */
  masters(): Promise<number[]>
  /** Waits until every live node reports cluster_state:ok and every slot is served. */
  ready(ms?: number): Promise<void>
  stop(): Promise<void>
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer()
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return server
    }),
  )
  const ports = servers.map((server) => (server.address() as { port: number }).port)
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  return ports
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function info(port: number, section: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return section === 'cluster' ? String(await client.call('CLUSTER', 'INFO')) : await client.info(section)
  } finally {
    client.disconnect()
  }
}

export async function startCluster(masters = 3, replicasEach = 1, nodeTimeoutMs = 2000): Promise<EmbeddedCluster> {
  const count = masters * (1 + replicasEach)
  const ports = await freePorts(count * 2)
  const nodes: ClusterNode[] = []
  try {
    for (let i = 0; i < count; i++) {
      const port = ports[i] as number
      const dir = mkdtempSync(join(tmpdir(), `redis-cluster-${port}-`))
      const process = await spawnRedisServer(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-port',
        String(ports[count + i]),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--appendonly',
        'no',
      ])
      nodes.push({ port, dir, process })
    }
    await promisify(execFile)(findRedisCli(), ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicasEach), '--cluster-yes'])
  } catch (error) {
    await Promise.all(nodes.map((n) => n.process.kill('SIGKILL')))
    for (const n of nodes) rmSync(n.dir, { recursive: true, force: true })
    throw new Error(`could not start a Redis Cluster (redis-server and redis-cli are needed): ${(error as Error).message}`, { cause: error })
  }

  const cluster: EmbeddedCluster = {
    nodes,
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    client(options = {}) {
      return new Cluster(cluster.startupNodes, options)
    },
    async masters() {
      const live = nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null)
      const roles = await Promise.all(live.map(async (n) => [n.port, /role:(\w+)/.exec(await info(n.port, 'replication'))?.[1]] as const))
      return roles.filter(([, role]) => role === 'master').map(([port]) => port)
    },
    async ready(ms = 30_000) {
      const until = Date.now() + ms
      for (;;) {
        const live = nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null)
        const states = await Promise.all(live.map((n) => info(n.port, 'cluster').catch(() => '')))
        const ok = states.every((state) => /cluster_state:ok/.test(state) && /cluster_slots_ok:16384/.test(state))
        if (ok) {
          const links = await Promise.all(live.map((n) => info(n.port, 'replication').catch(() => '')))
          if (links.every((text) => !/role:slave/.test(text) || /master_link_status:up/.test(text))) return
        }
        if (Date.now() > until) throw new Error(`the cluster is not ready: ${states.map((s) => /cluster_state:\w+/.exec(s)?.[0]).join(', ')}`)
        await sleep(100)
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.process.kill('SIGKILL')))
      for (const n of nodes) rmSync(n.dir, { recursive: true, force: true })
    },
  }
  await cluster.ready()
  return cluster
}
