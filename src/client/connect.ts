/**
 * What the `redis` option names: a client of the caller's (kept open on close()), or one the
 * store creates from a URL or ioredis options (and quits on close()). Whatever else is passed
 * is a TypeError saying what it looks like, never a silent connection to 127.0.0.1:6379.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { DEFAULTS } from '../options.js'
import { redact } from '../urls.js'
import type { RedisClient } from './client.js'
import { ioredisAdapter, isIoredisClient, type IoredisClient } from './ioredis.js'

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

/** node-redis's createClient() and createCluster() objects (redis 4 to 6, @redis/client). */
function nodeRedisKind(value: object): 'client' | 'cluster' | undefined {
  const v = value as { isOpen?: unknown; sendCommand?: unknown; masters?: unknown }
  if (typeof v.isOpen !== 'boolean' || typeof v.sendCommand !== 'function') return undefined
  return v.masters !== undefined ? 'cluster' : 'client'
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

const ACCEPTS = 'an ioredis Redis or Cluster client, a redis:// or rediss:// URL, or ioredis options'

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
  if (redis === undefined) {
    native = new Redis(DEFAULTS.redis, { ...OWNED_CLIENT_OPTIONS, ...extra })
  } else if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) {
      throw new TypeError(`options.redis must be ${ACCEPTS}, got the string ${JSON.stringify(redact(redis))}`)
    }
    native = new Redis(redis, { ...OWNED_CLIENT_OPTIONS, ...extra })
  } else if (typeof redis === 'object' && redis !== null) {
    if (redisOptions !== undefined) {
      throw new TypeError('options.redisOptions goes with a redis URL (or none); with a client or ioredis options in options.redis, set them there')
    }
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
  const kind = nodeRedisKind(redis)
  if (kind) {
    throw new TypeError(
      `options.redis is a node-redis ${kind === 'cluster' ? 'cluster (createCluster())' : 'client (createClient())'}; node-redis clients are not supported yet: pass ${ACCEPTS}`,
    )
  }
  const proto = Object.getPrototypeOf(redis)
  if ((proto !== Object.prototype && proto !== null) || typeof (redis as { then?: unknown }).then === 'function') {
    throw new TypeError(`options.redis must be ${ACCEPTS}, got ${lookOf(redis)}`)
  }
  checkIoredisOptions(redis as RedisOptions, 'options.redis')
  if ((redis as RedisOptions).keyPrefix) throw keyPrefixError()
  return new Redis({ ...OWNED_CLIENT_OPTIONS, ...(redis as RedisOptions) })
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

function keyPrefixError(): TypeError {
  return new TypeError(
    'options.redis has an ioredis keyPrefix, which this store cannot use: keys that its scripts derive from index members would not get the prefix. Use options.namespace instead.',
  )
}

/**
 * An ioredis Cluster client on seed nodes ('host:port,host:port'), failing fast: for the
 * CLI, which quits it itself (a store keeps a client passed in open).
 */
export function clusterClient(seeds: string, timeout: number): IoredisClient {
  const nodes = seeds.split(',').map((node) => {
    const [host, port] = node.split(':')
    return { host: host || '127.0.0.1', port: Number(port || 6379) }
  })
  return new Cluster(nodes, { clusterRetryStrategy: () => null, redisOptions: { connectTimeout: timeout } })
}
