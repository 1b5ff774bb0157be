/**
 * The client seam: what the store asks of a Redis client (client.ts), how the `redis` option
 * becomes one (connect.ts), and its implementation on ioredis (ioredis.ts).
 */
export type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
export { connect, type Connection, failFastClient } from './connect.js'
export type { NodeRedisClientLike, NodeRedisClusterLike } from './node-redis.js'

export type { IoredisClient, IoredisOptions, NodeRedisClient } from './types.js'
