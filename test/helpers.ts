/**
 * Test harness: each suite gets its own redis-server (started by redis-memory-server), an
 * admin client for looking at what the store wrote, and a `cache()` factory whose stores
 * are closed after each test. Every test starts from an empty server.
 *
 * TEST_TARGET=cluster runs the same suites on one Redis Cluster (3 masters, 1 replica each,
 * started once for the whole run), with stores spread over TEST_BUCKETS buckets (default 1,
 * bucketBy 2). `admin` is then a cluster client whose node-wide commands (FLUSHALL, KEYS,
 * DBSIZE, CONFIG, INFO, SCRIPT, CLIENT) go to every master. Tests that need a single server
 * (the seed baseline, MONITOR, ACL, owned clients from a URL) run only on a single Redis
 * (`onSingle`); tests that assert exact key names run only where the layout has one bucket
 * (`oneBucket`); elsewhere they are skipped, and uvu counts them as skipped.
 *
 * TEST_CLIENT=node-redis5 (or node-redis6) hands every store of `cache()` a node-redis client
 * of that version (connected as an application would, closed after the test) instead of a
 * URL; TEST_CLIENT=iovalkey an iovalkey client (Valkey's fork of ioredis, a Cluster on a
 * cluster), TEST_CLIENT=glide one Valkey GLIDE client of the suite's (GlideClient, or
 * GlideClusterClient on a cluster; created before the suite's tests and closed after them:
 * GLIDE clients are made asynchronously, and a store never closes a client it is given).
 * Tests of ioredis's own behaviour run only on ioredis (`onIoredis`).
 *
 * The server is redis-server unless REDISMS_SYSTEM_BINARY names another (CI's Valkey legs:
 * scripts/valkey.sh).
 */
import { type Cluster, Redis } from 'ioredis'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { suite, type Test } from 'uvu'
import { startCluster, type EmbeddedCluster } from '../scripts/embedded-cluster.js'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { RedisCache, type RedisCacheArgs, type RedisCacheOptions, type WriteMode } from '../src/index.js'

export const TARGET = process.env.TEST_TARGET === 'cluster' ? 'cluster' : 'single'
export const BUCKETS = Number(process.env.TEST_BUCKETS ?? 1)
/** Register a test with `onSingle(test)(name, fn)`: it runs only on a single Redis. */
export const onSingle = <T>(test: Test<T>) => (TARGET === 'single' ? test : test.skip)
/** Register a test with `oneBucket(test)(name, fn)`: it asserts key names, so it runs only with one bucket. */
export const oneBucket = <T>(test: Test<T>) => (BUCKETS === 1 ? test : test.skip)
export const CLIENT = ['node-redis5', 'node-redis6', 'iovalkey', 'glide'].includes(process.env.TEST_CLIENT ?? '')
  ? (process.env.TEST_CLIENT as 'node-redis5' | 'node-redis6' | 'iovalkey' | 'glide')
  : 'ioredis'
/** Register a test with `onIoredis(test)(name, fn)`: it checks what ioredis does (its options, its sockets), so it runs only on ioredis stores. */
export const onIoredis = <T>(test: Test<T>): Test<T> => (CLIENT === 'ioredis' ? test : (Object.assign(test.skip, { skip: test.skip, only: test.skip }) as unknown as Test<T>))

type NodeRedisClient = { on(event: 'error', listener: () => void): unknown; connect(): Promise<unknown>; close(): Promise<unknown> }
type NodeRedisClusterFactory = (options: { rootNodes: Array<{ url: string }> }) => NodeRedisClient
const createNodeRedis: ((options: { url?: string; socket?: { host: string; port: number } }) => NodeRedisClient) | undefined =
  CLIENT === 'node-redis5' ? (await import('redis5')).createClient : CLIENT === 'node-redis6' ? (await import('redis')).createClient : undefined

const createNodeRedisCluster = (CLIENT === 'node-redis5' ? (await import('redis5')).createCluster : CLIENT === 'node-redis6' ? (await import('redis')).createCluster : undefined) as
  | NodeRedisClusterFactory
  | undefined

/** A node-redis cluster of TEST_CLIENT's version on the embedded cluster, connecting; closed by the cleanup. */
function nodeRedisClusterFor(running: EmbeddedCluster, cleanup: Array<() => Promise<unknown>>): NodeRedisClient {
  const cluster = (createNodeRedisCluster as NodeRedisClusterFactory)({ rootNodes: running.startupNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) })
  cluster.on('error', () => undefined)
  const connecting = cluster.connect().catch(() => undefined)
  // Closed once connected: a node-redis cluster closed while it discovers its slots goes on to connect its nodes.
  cleanup.push(() => connecting.then(() => cluster.close()).catch(() => undefined))
  return cluster
}

/** A node-redis client of TEST_CLIENT's version, connecting; closed by the cleanup. */
function nodeRedisFor(url: string, cleanup: Array<() => Promise<unknown>>): NodeRedisClient {
  const client = (createNodeRedis as NonNullable<typeof createNodeRedis>)({ url })
  client.on('error', () => undefined)
  client.connect().catch(() => undefined)
  cleanup.push(() => client.close().catch(() => undefined))
  return client
}

const iovalkey = CLIENT === 'iovalkey' ? await import('iovalkey') : undefined

/** An iovalkey client (or Cluster on the embedded cluster), connecting; closed by the cleanup. Typed as ioredis, whose fork it is. */
function iovalkeyFor(at: string | EmbeddedCluster, cleanup: Array<() => Promise<unknown>>): Redis {
  const { Redis: Valkey, Cluster: ValkeyCluster } = iovalkey as NonNullable<typeof iovalkey>
  const client = typeof at === 'string' ? new Valkey(at) : new ValkeyCluster(at.startupNodes)
  cleanup.push(() => client.quit().catch(() => client.disconnect()))
  return client as unknown as Redis
}

const glide = CLIENT === 'glide' ? await import('@valkey/valkey-glide') : undefined
// GLIDE logs WARN lines (reconnections) to the console unless told otherwise.
glide?.Logger.setLoggerConfig('off')

/** A Valkey GLIDE client on the single server or the embedded cluster, with a request timeout above every store's in the tests. */
async function glideFor(at: { host: string; port: number } | EmbeddedCluster): Promise<Redis> {
  const { GlideClient, GlideClusterClient } = glide as NonNullable<typeof glide>
  // GLIDE refuses requests past inflightRequestsLimit (1,000 by default): some tests stream thousands of async writes.
  const options = { requestTimeout: 20_000, inflightRequestsLimit: 100_000 }
  const client = 'port' in at ? await GlideClient.createClient({ addresses: [at], ...options }) : await GlideClusterClient.createClient({ addresses: at.startupNodes, ...options })
  return client as unknown as Redis
}

let sharedCluster: Promise<EmbeddedCluster> | undefined
function cluster(): Promise<EmbeddedCluster> {
  sharedCluster ??= startCluster(3, 1).then((started) => {
    // One cluster for the whole run: Node may exit with it running, and kills it then.
    for (const node of started.nodes) node.process.child.unref()
    process.on('exit', () => {
      for (const node of started.nodes) {
        node.process.child.kill('SIGKILL')
        rmSync(node.dir, { recursive: true, force: true })
      }
    })
    return started
  })
  return sharedCluster
}

const NODE_WIDE = new Set(['flushall', 'keys', 'dbsize', 'config', 'info', 'script'])

/** A cluster client whose node-wide commands go to every master (answers merged), the rest routed by key. */
function clusterAdmin(client: Cluster): Redis {
  const everyMaster = async (name: string, args: unknown[]) =>
    Promise.all(client.nodes('master').map((node) => (node as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args)))
  return new Proxy(client, {
    get(target, property, receiver) {
      if (typeof property === 'string' && NODE_WIDE.has(property)) {
        return async (...args: unknown[]) => {
          const answers = await everyMaster(property, args)
          if (property === 'keys') return answers.flat()
          if (property === 'dbsize') return (answers as number[]).reduce((a, b) => a + b, 0)
          if (property === 'info') return answers.join('\r\n')
          return answers[0]
        }
      }
      if (property === 'call') {
        return (...args: unknown[]) => (String(args[0]).toUpperCase() === 'CLIENT' ? everyMaster('call', args).then((a) => a[0]) : target.call(...(args as [string])))
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as unknown as Redis
}

export interface Context {
  server: EmbeddedRedis
  /** For inspecting and arranging Redis state; never handed to a store under test. */
  admin: Redis
  cache<W extends WriteMode = 'sync'>(options?: RedisCacheOptions<W>): RedisCache<W>
  /** A further ioredis client, quit after the test. */
  client(): Redis
  /** A client to hand to a store under test: ioredis, or TEST_CLIENT's node-redis or iovalkey; closed after the test. */
  storeClient(): Redis
  cleanup: Array<() => Promise<unknown>>
  /** TEST_CLIENT=glide: the suite's GLIDE client, which every store of cache() and storeClient() gets. */
  glide?: Redis
}

export function redisSuite(name: string, serverArgs: string[] = []): Test<Context> {
  return TARGET === 'cluster' ? clusterSuite(name) : singleSuite(name, serverArgs)
}

function clusterSuite(name: string): Test<Context> {
  const test = suite<Context>(`${name} [cluster, ${BUCKETS} bucket(s)]`, {} as Context)
  test.before(async (ctx) => {
    const running = await cluster()
    ctx.server = { host: '127.0.0.1', port: running.nodes[0]!.port, url: '', server: undefined as never, stop: async () => {} }
    const admin = running.client()
    if (admin.status !== 'ready') await new Promise((resolve) => admin.once('ready', resolve))
    ctx.admin = clusterAdmin(admin)
    ctx.cleanup = []
    if (glide) ctx.glide = await glideFor(running)
    ctx.cache = <W extends WriteMode = 'sync'>(options: RedisCacheOptions<W> = {}) => {
      if (ctx.glide) {
        const cache = new RedisCache<W>(...([{ buckets: BUCKETS, bucketBy: 2, ...options, redis: ctx.glide }] as RedisCacheArgs<W>))
        ctx.cleanup.push(() => cache.close().catch(() => undefined))
        return cache
      }
      // A node-redis cluster, or an iovalkey Cluster, of each store's own: closed after it.
      const passedIn = createNodeRedisCluster ? nodeRedisClusterFor : iovalkey ? iovalkeyFor : undefined
      if (passedIn) {
        const closing: Array<() => Promise<unknown>> = []
        const client = passedIn(running, closing)
        let cache: RedisCache<W> | undefined
        ctx.cleanup.push(async () => {
          await cache?.close().catch(() => undefined)
          for (const task of closing) await task()
        })
        cache = new RedisCache<W>(...([{ buckets: BUCKETS, bucketBy: 2, ...options, redis: client }] as RedisCacheArgs<W>))
        return cache
      }
      const client = running.client()
      let cache: RedisCache<W> | undefined
      // Registered first: a store refused at construction must not leave its client open.
      ctx.cleanup.push(() =>
        (cache?.close() ?? Promise.resolve())
          .catch(() => undefined)
          .then(() => client.quit())
          .catch(() => client.disconnect()),
      )
      cache = new RedisCache<W>(...([{ buckets: BUCKETS, bucketBy: 2, ...options, redis: client }] as RedisCacheArgs<W>))
      return cache
    }
    ctx.client = () => {
      const client = running.client()
      ctx.cleanup.push(() => client.quit().catch(() => client.disconnect()))
      return client as unknown as Redis
    }
    ctx.storeClient = () =>
      ctx.glide ?? (createNodeRedisCluster ? (nodeRedisClusterFor(running, ctx.cleanup) as unknown as Redis) : iovalkey ? iovalkeyFor(running, ctx.cleanup) : ctx.client())
  })
  eachTestFromEmpty(test)
  test.after(async (ctx) => {
    ;(ctx.glide as unknown as { close(): void } | undefined)?.close()
  })
  return test
}

function singleSuite(name: string, serverArgs: string[]): Test<Context> {
  const test = suite<Context>(name, {} as Context)
  test.before(async (ctx) => {
    ctx.server = await startRedis(serverArgs)
    ctx.admin = new Redis(ctx.server.url)
    ctx.cleanup = []
    if (glide) ctx.glide = await glideFor({ host: ctx.server.host, port: ctx.server.port })
    ctx.cache = <W extends WriteMode = 'sync'>(options: RedisCacheOptions<W> = {}) => {
      // Registered first: the client closes after the store.
      const cleanup: Array<() => Promise<unknown>> = []
      ctx.cleanup.push(async () => {
        for (const task of cleanup.splice(0)) await task()
      })
      const yours = options.redis === undefined && options.redisOptions === undefined
      const redis =
        yours && ctx.glide
          ? ctx.glide
          : yours && createNodeRedis
            ? nodeRedisFor(ctx.server.url, cleanup)
            : yours && iovalkey
              ? iovalkeyFor(ctx.server.url, cleanup)
              : ctx.server.url
      const cache = new RedisCache<W>(...([{ redis, ...options }] as RedisCacheArgs<W>))
      cleanup.unshift(() => cache.close().catch(() => undefined))
      return cache
    }
    ctx.client = () => {
      const client = new Redis(ctx.server.url)
      ctx.cleanup.push(() => client.quit().catch(() => client.disconnect()))
      return client
    }
    // Typed as ioredis for the tests' convenience: the stores take either.
    ctx.storeClient = () =>
      ctx.glide ?? (createNodeRedis ? (nodeRedisFor(ctx.server.url, ctx.cleanup) as unknown as Redis) : iovalkey ? iovalkeyFor(ctx.server.url, ctx.cleanup) : ctx.client())
  })
  eachTestFromEmpty(test)
  test.after(async (ctx) => {
    ;(ctx.glide as unknown as { close(): void } | undefined)?.close()
    await ctx.server?.stop() // after the admin client has quit
  })
  return test
}

/** Every test starts from an empty server and ends with its stores and clients closed. */
function eachTestFromEmpty(test: Test<Context>): Test<Context> {
  test.before.each(async (ctx) => {
    await ctx.admin.flushall()
  })
  test.after.each(async (ctx) => {
    const tasks = ctx.cleanup.splice(0)
    await Promise.all(tasks.map((task) => task()))
  })
  test.after(async (ctx) => {
    await ctx.admin?.quit()
  })
  return test
}

/** A loopback port nothing listens on (at the time of asking). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Every key with its DUMP and its absolute expiry: compares Redis state byte for byte. */
export async function snapshot(admin: Redis): Promise<string[]> {
  const keys = (await admin.keys('*')).sort()
  const out: string[] = []
  for (const key of keys) {
    const dump = await admin.dumpBuffer(key)
    out.push(`${key} ${dump?.toString('base64')} ${await admin.call('PEXPIRETIME', key)}`)
  }
  return out
}

/** Asserts that a promise rejects with an error of the given class whose message matches. */
export async function rejects(promise: Promise<unknown> | (() => unknown), type: new (...args: never[]) => Error, message: RegExp): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`)
    if (!message.test(error.message)) throw new Error(`expected message ${message}, got: ${error.message}`)
    return error
  }
  throw new Error(`expected a ${type.name} matching ${message}, but nothing was thrown`)
}
