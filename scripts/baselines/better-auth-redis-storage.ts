/**
 * The `better-auth-redis` contender, and the control of the better-auth tests: a port of
 * @better-auth/redis-storage 1.7.5 (`redisStorage({ client, keyPrefix })`, MIT), the same
 * commands in the same order: GET, GETDEL (an EVAL of GET+DEL where GETDEL is unknown), an
 * EVAL of INCR and EXPIRE for increment, SETEX or SET, DEL. A plain GET/SET storage: what
 * better-auth's session lists race on. Ported rather than installed because the package's
 * peer dependency is ioredis ^5, which npm will not install beside this repository's
 * ioredis 6; it runs here on an ioredis 5 client, as the package does. Its SCAN-based
 * `listKeys()` and `clear()`, outside better-auth's contract, are left out.
 * A baseline for the benchmark and the tests; not part of the library.
 */
import type { Cluster, Redis } from 'ioredis'
import type { Redis as Redis5 } from 'ioredis5'

const INCREMENT = `
local value = redis.call("INCR", KEYS[1])
if value == 1 then
  redis.call("EXPIRE", KEYS[1], ARGV[1])
end
return value
`

export interface PlainSecondaryStorage {
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttl?: number): Promise<void>
  delete(key: string): Promise<void>
  getAndDelete(key: string): Promise<string | null>
  increment(key: string, ttl: number): Promise<number>
}

export function redisStorage({ client, keyPrefix = 'better-auth:' }: { client: Redis | Redis5 | Cluster; keyPrefix?: string }): PlainSecondaryStorage {
  const redis = client as Redis
  const prefixed = (key: string) => `${keyPrefix}${key}`
  return {
    get: (key) => redis.get(prefixed(key)),
    getAndDelete: async (key) => (await redis.call('GETDEL', prefixed(key))) as string | null,
    async increment(key, ttl) {
      if (!Number.isInteger(ttl) || ttl <= 0) throw new TypeError('Redis storage increment ttl must be a positive integer')
      return Number(await redis.eval(INCREMENT, 1, prefixed(key), ttl))
    },
    async set(key, value, ttl) {
      if (ttl !== undefined && ttl > 0) await redis.setex(prefixed(key), ttl, value)
      else await redis.set(prefixed(key), value)
    },
    async delete(key) {
      await redis.del(prefixed(key))
    },
  }
}
