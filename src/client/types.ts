/**
 * The client types of the public API (`options.redis`, `options.redisOptions`, `cache.redis`),
 * in a module of their own that the published declarations of the core reach: ioredis and
 * Valkey GLIDE are optional peers, so their types are imported where they are installed and
 * are `never` where they are not (a project with node-redis alone compiles with `skipLibCheck: false`, and the `redis`
 * option never degrades to `any`: a typo in ioredis options stays a type error).
 */
// biome-ignore lint/suspicious/noTsIgnore: the import must pass where ioredis is installed and where it is not (expect-error fails one of them)
// @ts-ignore: ioredis is an optional peer dependency: without it, these types are `any` (made `never` below).
import type { Cluster as IoredisCluster, Redis as IoredisRedis, RedisOptions as IoredisRedisOptions } from 'ioredis'

// biome-ignore lint/suspicious/noTsIgnore: as above, for Valkey GLIDE
// @ts-ignore: @valkey/valkey-glide is an optional peer dependency: without it, these types are `any` (made `never` below).
import type { GlideClient as GlideStandalone, GlideClusterClient as GlideCluster } from '@valkey/valkey-glide'

/** T, or never where T is `any` (a type of ioredis where it is not installed: `unknown extends any`). */
type Installed<T> = unknown extends T ? never : T

/** ioredis's `Redis` or `Cluster` client, where ioredis is installed; else never. */
export type IoredisClient = Installed<IoredisRedis> | Installed<IoredisCluster>

/** ioredis's connection options (`RedisOptions`), where ioredis is installed; else never. */
export type IoredisOptions = Installed<IoredisRedisOptions>

/**
 * A node-redis client (`createClient()` of redis 5 or 6, @redis/client) or cluster
 * (`createCluster()`), as `options.redis` takes it: whatever its generic types, without a cast.
 */
export interface NodeRedisClient {
  readonly isOpen: boolean
  sendCommand(...args: never[]): Promise<unknown>
}

/** A Valkey GLIDE `GlideClient` or `GlideClusterClient`, where @valkey/valkey-glide is installed; else never. */
export type GlideClient = Installed<GlideStandalone> | Installed<GlideCluster>
