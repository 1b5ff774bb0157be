/**
 * What the `redis` option names: a client of the caller's (kept open on close()), or one the
 * store creates from a URL or ioredis options (and quits on close()). Whatever else is passed
 * is a TypeError saying what it looks like, never a silent connection to 127.0.0.1:6379.
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { DEFAULTS } from '../defaults.js'
import { optionalPackage } from '../optional.js'
import { redact } from '../urls.js'
import type { RedisClient } from './client.js'
import { nodeRedisSentinelAdapter } from './node-redis-sentinel.js'
import { glideAdapter, isGlideClient } from './glide.js'
import { ioredisAdapter, isIoredisClient, type IoredisClient } from './ioredis.js'
import { isNodeRedisSentinel, nodeRedisAdapter, nodeRedisKind, type NodeRedisClientLike, type NodeRedisClusterLike, type NodeRedisLike } from './node-redis.js'

/** A client library the application has installed (both are optional peer dependencies), or undefined. */
const installed = optionalPackage

type Ioredis = typeof import('ioredis')
interface NodeRedisSocket {
  host?: string
  port?: number
  connectTimeout?: number
  reconnectStrategy?: false
}
interface NodeRedisModule {
  createClient(options: { url: string; socket?: NodeRedisSocket }): NodeRedisClientLike
  createCluster(options: { rootNodes: Array<{ socket: NodeRedisSocket }> }): NodeRedisClusterLike & { connect(): Promise<unknown> }
}

/** node-redis (`redis`, else `@redis/client`) when ioredis is not there; with neither, a TypeError saying to install one (or, with GLIDE, to pass its client). */
function nodeRedisModule(): NodeRedisModule {
  const found = installed<NodeRedisModule>('redis') ?? installed<NodeRedisModule>('@redis/client')
  if (found) return found
  if (installed('@valkey/valkey-glide')) {
    throw new TypeError(
      "a URL makes a client of the store's own, with ioredis or node-redis, and neither is installed: with Valkey GLIDE, pass your client (redis: await GlideClient.createClient({ addresses }): GLIDE clients are made asynchronously), or npm install ioredis (or redis)",
    )
  }
  throw new TypeError('no Redis client library is installed: npm install ioredis (or redis), the store connects through it')
}

function ioredis(): Ioredis {
  const found = installed<Ioredis>('ioredis')
  if (!found) throw new TypeError('options.redis is a URL or ioredis options, but ioredis is not installed: npm install ioredis (or pass a node-redis client)')
  return found
}

/**
 * ioredis options of a client the store creates (yours override them). The store never
 * hands a command to a client that is not connected (see whenReady), so the offline queue
 * stays empty; `autoResendUnfulfilledCommands: false` keeps ioredis from sending again, after
 * a reconnection, a command whose connection dropped before it was answered (its call has
 * long been rejected by then).
 */
export const OWNED_CLIENT_OPTIONS: RedisOptions = { maxRetriesPerRequest: 3, autoResendUnfulfilledCommands: false }

export interface Connection {
  readonly client: RedisClient
  /** Whether the store created the client and so quits it on close(). */
  readonly owned: boolean
}

/** Options of node-redis's createClient() that ioredis would silently ignore (and then connect to 127.0.0.1:6379). */
const NODE_REDIS_OPTIONS: Record<string, string> = {
  url: 'pass the URL itself: `redis: "redis://..."`',
  socket: 'ioredis takes host, port and tls at the top level',
  database: "ioredis's is `db`",
  RESP: 'ioredis 5 speaks RESP2; ioredis 6 takes `protocol`',
  pingInterval: 'not an ioredis option',
  disableOfflineQueue: "ioredis's is `enableOfflineQueue: false`",
  commandsQueueMaxLength: 'not an ioredis option',
  clientInfoTag: 'not an ioredis option',
  rootNodes: "a node-redis cluster's; for ioredis pass a Cluster client",
}

const ACCEPTS = 'an ioredis Redis or Cluster client, a node-redis client or cluster, a Valkey GLIDE client, a redis:// or rediss:// URL, or ioredis options'

/** What a value is, for an error saying it is not what `redis` takes. */
function lookOf(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`
  if (typeof value !== 'object') return typeof value
  if (typeof (value as { then?: unknown }).then === 'function') return 'a Promise (await it first, or pass the client itself)'
  const proto = Object.getPrototypeOf(value)
  const name = typeof proto?.constructor === 'function' ? proto.constructor.name : ''
  return name ? `an instance of ${name}` : 'an object'
}

/** The client that `redis` (and `redisOptions`) name, behind the client seam. */
export function connect(redis: unknown, redisOptions?: unknown): Connection {
  if (redisOptions !== undefined && (typeof redisOptions !== 'object' || redisOptions === null)) {
    throw new TypeError(`options.redisOptions must be ioredis options (an object), got ${redisOptions === null ? 'null' : typeof redisOptions}`)
  }
  const extra = (redisOptions ?? {}) as RedisOptions
  if (extra.keyPrefix) throw keyPrefixError()
  if (redisOptions !== undefined) checkIoredisOptions(extra, 'options.redisOptions')
  let native: IoredisClient
  let owned = true
  if (redis === undefined || typeof redis === 'string') {
    const url = checkUrl(redis ?? DEFAULTS.redis)
    const made = fromUrl(url, extra, redisOptions !== undefined)
    if ('native' in made) return made.native
    native = made.ioredis
  } else if (typeof redis === 'object' && redis !== null) {
    if (redisOptions !== undefined) {
      throw new TypeError('options.redisOptions goes with a redis URL (or none); with a client or ioredis options in options.redis, set them there')
    }
    if (nodeRedisKeyPrefix(redis)) throw keyPrefixError('a node-redis')
    if (isNodeRedisSentinel(redis)) {
      if (!redis.isOpen) {
        throw new TypeError('options.redis is a node-redis sentinel client (createSentinel()) that is not open: call connect() first (without awaiting it is fine)')
      }
      return { client: nodeRedisSentinelAdapter(redis), owned: false }
    }
    if (isGlideClient(redis)) {
      if ((redis as { isClosed?: boolean }).isClosed === true) throw new TypeError('options.redis is a Valkey GLIDE client that has been closed: pass an open client')
      return { client: glideAdapter(redis), owned: false }
    }
    const kind = nodeRedisKind(redis)
    if (kind) return { client: nodeRedisAdapter(checkNodeRedis(redis as NodeRedisLike, kind)), owned: false }
    native = fromObject(redis)
    owned = native !== redis
  } else {
    throw new TypeError(`options.redis must be ${ACCEPTS}, got ${lookOf(redis)}`)
  }
  if (owned) {
    // Connection errors of a client the store created: every call they affect rejects with
    // them, so the client's own 'error' events (which ioredis otherwise prints) add nothing.
    native.on('error', () => undefined)
  }
  if (keyPrefixOf(native)) {
    if (owned) native.disconnect()
    throw keyPrefixError()
  }
  return { client: ioredisAdapter(native), owned }
}

function fromObject(redis: object): IoredisClient {
  if (isIoredisClient(redis)) {
    if (redis.status === 'end') {
      throw new TypeError(`options.redis is an ioredis ${(redis as Cluster).isCluster ? 'Cluster' : 'client'} that has been closed (quit() or disconnect()): pass an open client`)
    }
    return redis
  }
  const proto = Object.getPrototypeOf(redis)
  if ((proto !== Object.prototype && proto !== null) || typeof (redis as { then?: unknown }).then === 'function') {
    throw new TypeError(`options.redis must be ${ACCEPTS}, got ${lookOf(redis)}`)
  }
  checkIoredisOptions(redis as RedisOptions, 'options.redis')
  if ((redis as RedisOptions).keyPrefix) throw keyPrefixError()
  return new (ioredis().Redis)({ ...OWNED_CLIENT_OPTIONS, ...(redis as RedisOptions) })
}

/** ioredis options must not be node-redis's: ioredis ignores what it does not know and connects to 127.0.0.1:6379. */
function checkIoredisOptions(options: RedisOptions, name: string): void {
  const found = Object.keys(options).filter((key) => key in NODE_REDIS_OPTIONS)
  if (found.length === 0) return
  const notes = found.map((key) => `${key}: ${NODE_REDIS_OPTIONS[key]}`).join('; ')
  throw new TypeError(`${name} looks like node-redis options (${found.join(', ')}), which ioredis would ignore and connect to 127.0.0.1:6379 instead: ${notes}`)
}

function keyPrefixOf(client: IoredisClient): unknown {
  if ((client as Cluster).isCluster) {
    const options = (client as Cluster).options
    return options.keyPrefix || options.redisOptions?.keyPrefix
  }
  return (client as Redis).options.keyPrefix
}

/** node-redis 6.1+ `keyPrefix` of a client, cluster or sentinel (its `_keyPrefix`, or the options it was made with). */
function nodeRedisKeyPrefix(client: object): unknown {
  const c = client as { _keyPrefix?: unknown; options?: { keyPrefix?: unknown }; _options?: { keyPrefix?: unknown } }
  if (typeof (c as { sendCommand?: unknown }).sendCommand !== 'function' || isIoredisClient(client)) return undefined
  try {
    return c._keyPrefix || c.options?.keyPrefix || c._options?.keyPrefix
  } catch {
    return undefined
  }
}

/**
 * A client's key prefix is refused, never ignored: the store sends its commands and scripts
 * with keys it builds itself (a script derives index and value keys from index members, and
 * node-redis does not prefix raw commands), so a prefixed client would write outside its
 * prefix, and two tenants' stores of one namespace would share records.
 */
function keyPrefixError(library = 'an ioredis'): TypeError {
  return new TypeError(
    `options.redis has ${library} keyPrefix, which this store does not apply: its keys would not carry the prefix, and stores of two prefixes would share records. Give each tenant its own options.namespace instead (its keys all start with '{namespace}', one ACL key pattern a tenant: see the README), on a client without keyPrefix.`,
  )
}

/**
 * A client that fails fast (no retries, `timeout` to connect), for the CLI, which closes it
 * itself (a store keeps a client passed in open): on a URL, or on a cluster's seed nodes
 * ('host:port,host:port'). ioredis when it is installed, else node-redis (connecting).
 */
export function failFastClient(target: { url: string } | { seeds: string }, timeout: number): IoredisClient | NodeRedisLike {
  const nodes = 'seeds' in target ? target.seeds.split(',').map(hostPort) : undefined
  const io = installed<Ioredis>('ioredis')
  if (io) {
    if (nodes) return new io.Cluster(nodes, { clusterRetryStrategy: () => null, redisOptions: { connectTimeout: timeout } })
    const client = new io.Redis(checkUrl((target as { url: string }).url), {
      retryStrategy: () => null,
      connectTimeout: timeout,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    })
    client.on('error', () => undefined)
    return client
  }
  const nodeRedis = nodeRedisModule()
  const socket = { connectTimeout: timeout, reconnectStrategy: false as const }
  const client = nodes
    ? nodeRedis.createCluster({ rootNodes: nodes.map(({ host, port }) => ({ socket: { ...socket, host, port } })) })
    : nodeRedis.createClient({ url: checkUrl((target as { url: string }).url), socket })
  client.on('error', () => undefined)
  client.connect().catch(() => undefined)
  return client
}

function checkUrl(url: string): string {
  if (!/^rediss?:\/\//.test(url)) throw new TypeError(`options.redis must be ${ACCEPTS}, got the string ${JSON.stringify(redact(url))}`)
  return url
}

function hostPort(node: string): { host: string; port: number } {
  const [host, port] = node.split(':')
  return { host: host || '127.0.0.1', port: Number(port || 6379) }
}

/**
 * The client the store makes from a URL: ioredis when it is installed, else node-redis
 * (`redis`, or `@redis/client`), connected at once; with neither, a TypeError saying to
 * install one. ioredis options (`redisOptions`) need ioredis.
 */
function fromUrl(url: string, extra: RedisOptions, withOptions: boolean): { ioredis: IoredisClient } | { native: Connection } {
  const io = installed<Ioredis>('ioredis')
  if (io) return { ioredis: new io.Redis(url, { ...OWNED_CLIENT_OPTIONS, ...extra }) }
  if (withOptions) throw new TypeError('options.redisOptions are ioredis options, but ioredis is not installed: npm install ioredis, or pass a node-redis client in options.redis')
  const nodeRedis = nodeRedisModule()
  const client = nodeRedis.createClient({ url })
  client.on('error', () => undefined) // every call it affects rejects with it (see whenReady)
  client.connect().catch(() => undefined)
  return { native: { client: nodeRedisAdapter(client), owned: true } }
}

/** A node-redis client or cluster of the caller's must be open (connected, or connecting). */
function checkNodeRedis(client: NodeRedisLike, kind: 'client' | 'cluster'): NodeRedisLike {
  if (!client.isOpen) {
    const what = kind === 'cluster' ? 'cluster (createCluster())' : 'client (createClient())'
    throw new TypeError(
      `options.redis is a node-redis ${what} that is not open: call connect() first (without awaiting it is fine), or pass an open one; a closed client cannot be used`,
    )
  }
  return client
}
