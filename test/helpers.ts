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
  cleanup: Array<() => Promise<unknown>>
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
    ctx.cache = <W extends WriteMode = 'sync'>(options: RedisCacheOptions<W> = {}) => {
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
  })
  return eachTestFromEmpty(test)
}

function singleSuite(name: string, serverArgs: string[]): Test<Context> {
  const test = suite<Context>(name, {} as Context)
  test.before(async (ctx) => {
    ctx.server = await startRedis(serverArgs)
    ctx.admin = new Redis(ctx.server.url)
    ctx.cleanup = []
    ctx.cache = <W extends WriteMode = 'sync'>(options: RedisCacheOptions<W> = {}) => {
      const cache = new RedisCache<W>(...([{ redis: ctx.server.url, ...options }] as RedisCacheArgs<W>))
      ctx.cleanup.push(() => cache.close().catch(() => undefined))
      return cache
    }
    ctx.client = () => {
      const client = new Redis(ctx.server.url)
      ctx.cleanup.push(() => client.quit().catch(() => client.disconnect()))
      return client
    }
  })
  eachTestFromEmpty(test)
  test.after(async (ctx) => {
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
