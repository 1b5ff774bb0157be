/**
 * The client seam: what the store asks of a Redis client (client.ts), how the `redis` option
 * becomes one (connect.ts), and its implementation on ioredis (ioredis.ts).
 */
export type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
export { connect, type Connection, failFastClient } from './connect.js'
export type { IoredisClient } from './ioredis.js'
export type { NodeRedisClientLike, NodeRedisClusterLike } from './node-redis.js'

/**
 * A node-redis client (`createClient()` of redis 5 or 6, @redis/client) or cluster
 * (`createCluster()`), as `options.redis` takes it: whatever its generic types, without a cast.
 */
export interface NodeRedisClient {
  readonly isOpen: boolean
  sendCommand(...args: never[]): Promise<unknown>
}
export type { RedisOptions as IoredisOptions } from 'ioredis'
