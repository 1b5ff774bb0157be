/**
 * The client seam: what the store asks of a Redis client (client.ts), how the `redis` option
 * becomes one (connect.ts), and its implementation on ioredis (ioredis.ts).
 */
export type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
export { clusterClient, connect, type Connection } from './connect.js'
export { ioredisAdapter, type IoredisClient } from './ioredis.js'
export type { RedisOptions as IoredisOptions } from 'ioredis'
