/**
 * Test harness: each suite gets its own redis-server (started by redis-memory-server), an
 * admin client for looking at what the store wrote, and a `cache()` factory whose stores
 * are closed after each test. Every test starts from an empty server.
 */
import { Redis } from 'ioredis'
import { suite, type Test } from 'uvu'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { RedisCache, type RedisCacheOptions, type WriteMode } from '../src/index.js'

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
  const test = suite<Context>(name, {} as Context)
  test.before(async (ctx) => {
    ctx.server = await startRedis(serverArgs)
    ctx.admin = new Redis(ctx.server.url)
    ctx.cleanup = []
    ctx.cache = <W extends WriteMode = 'sync'>(options: RedisCacheOptions<W> = {}) => {
      const cache = new RedisCache<W>({ redis: ctx.server.url, ...options })
      ctx.cleanup.push(() => cache.close().catch(() => undefined))
      return cache
    }
    ctx.client = () => {
      const client = new Redis(ctx.server.url)
      ctx.cleanup.push(() => client.quit().catch(() => client.disconnect()))
      return client
    }
  })
  test.before.each(async (ctx) => {
    await ctx.admin.flushall()
  })
  test.after.each(async (ctx) => {
    const tasks = ctx.cleanup.splice(0)
    await Promise.all(tasks.map((task) => task()))
  })
  test.after(async (ctx) => {
    await ctx.admin?.quit()
    await ctx.server?.stop()
  })
  return test
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
