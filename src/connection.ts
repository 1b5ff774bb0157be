/**
 * The ioredis client a store talks through: the caller's own, or one the store creates
 * (and then quits on close()).
 */
import { Redis, type Cluster, type RedisOptions } from 'ioredis'
import { DEFAULTS } from './options.js'
import type { Client } from './scripts.js'
import { redact } from './urls.js'

/**
 * ioredis options of a client the store creates (yours override them). The store never
 * hands a command to a client that is not connected (see whenReady), so the offline queue
 * stays empty; `autoResendUnfulfilledCommands: false` keeps ioredis from sending again, after
 * a reconnection, a command whose connection dropped before it was answered (its call has
 * long been rejected by then).
 */
export const OWNED_CLIENT_OPTIONS: RedisOptions = { maxRetriesPerRequest: 3, autoResendUnfulfilledCommands: false }

const readiness = new WeakMap<Client, Promise<void>>()
/**
 * Clients whose connection came up after Redis refused part of its handshake (a database
 * index the server does not have: ioredis reports the failed SELECT and goes on in db 0):
 * every call rejects with Redis's error until the client connects again.
 */
const refusals = new WeakMap<Client, Error>()

/** Whether a call must wait for (or be refused by) the client's readiness before it sends. */
export function notReady(client: Client): boolean {
  return client.status !== 'ready' || refusals.has(client)
}

/** Where a client connects, for messages: host:port (or socket path, or a Cluster's seed nodes); never credentials. */
export function addressOf(client: Client): string {
  if ((client as Cluster).isCluster) {
    const nodes = ((client as unknown as { startupNodes?: unknown[] }).startupNodes ?? []) as Array<string | number | { host?: string; port?: number }>
    return `the cluster at ${nodes.map((node) => (typeof node === 'object' ? `${node.host ?? '127.0.0.1'}:${node.port ?? 6379}` : redact(String(node)))).join(',') || 'its seed nodes'}`
  }
  const { host, port, path } = (client as Redis).options
  return path ? String(path) : `${host ?? '127.0.0.1'}:${port ?? 6379}`
}

/** An error the client reported while connecting, as a call's cause: Redis's (or the socket's) own words first. */
function connectError(client: Client, error: Error): Error {
  return new Error(`${redact(error.message)} (while connecting to ${addressOf(client)}; nothing was sent)`, { cause: error })
}

/** ioredis's errors from Redis (a reply), as opposed to the socket's. */
export function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * Resolves once the client is connected and ready; rejects once it has ended, or with the
 * first error the client reports while connecting (a refused connection, a password Redis
 * refuses, TLS, a database it does not have), so that the caller reads Redis's own words at
 * once instead of a timeout. One promise per client and wait, shared by every call that
 * waits. The store awaits it before it sends anything, with its timeout racing it: a call
 * that fails or times out while the client is still connecting has sent nothing, so
 * ioredis's offline queue can never deliver it when Redis comes back.
 */
export function whenReady(client: Client): Promise<void> {
  const refused = refusals.get(client)
  if (client.status === 'ready') return refused ? Promise.reject(refused) : Promise.resolve()
  if (client.status === 'end') return Promise.reject(new Error(`Connection is closed (the client has quit or been disconnected; nothing was sent)`))
  let waiting = readiness.get(client)
  if (!waiting) {
    waiting = new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        client.off('ready', onReady)
        client.off('end', onEnd)
        client.off('error', onError)
        readiness.delete(client)
        if (error) reject(error)
        else resolve()
      }
      const onReady = () => settle()
      const onEnd = () => settle(new Error('Connection is closed (nothing was sent)'))
      const onError = (error: Error) => {
        const cause = connectError(client, error)
        if (isReplyError(error)) refuse(client, cause)
        settle(cause)
      }
      client.on('ready', onReady)
      client.on('end', onEnd)
      client.on('error', onError)
    })
    waiting.catch(() => undefined) // a wait nobody races any more is no unhandled rejection
    readiness.set(client, waiting)
    // A client made with lazyConnect waits for its first command: connect it now.
    if (client.status === 'wait') client.connect().catch(() => undefined)
  }
  return waiting
}

/** Redis refused the handshake: calls reject with its error until the connection closes (the next attempt is judged anew). */
function refuse(client: Client, error: Error): void {
  if (!refusals.has(client)) client.once('close', () => refusals.delete(client))
  refusals.set(client, error)
}

export interface Connection {
  readonly client: Client
  /** Whether the store created the client and so quits it on close(). */
  readonly owned: boolean
}

function isClient(value: object): value is Client {
  return typeof (value as Client).defineCommand === 'function' && typeof (value as Client).sendCommand === 'function'
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

/**
 * The client that `redis` names: a client of the caller's (kept open on close()), or one the
 * store creates from a URL or ioredis options. Whatever else is passed is a TypeError saying
 * what it looks like, never a silent connection to 127.0.0.1:6379.
 */
export function connect(redis: unknown, redisOptions?: unknown): Connection {
  if (redisOptions !== undefined && (typeof redisOptions !== 'object' || redisOptions === null)) {
    throw new TypeError(`options.redisOptions must be ioredis options (an object), got ${redisOptions === null ? 'null' : typeof redisOptions}`)
  }
  const extra = (redisOptions ?? {}) as RedisOptions
  if (extra.keyPrefix) throw keyPrefixError()
  if (redisOptions !== undefined) checkIoredisOptions(extra, 'options.redisOptions')
  let connection: Connection
  if (redis === undefined) {
    connection = { client: new Redis(DEFAULTS.redis, { ...OWNED_CLIENT_OPTIONS, ...extra }), owned: true }
  } else if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) {
      throw new TypeError(`options.redis must be ${ACCEPTS}, got the string ${JSON.stringify(redact(redis))}`)
    }
    connection = { client: new Redis(redis, { ...OWNED_CLIENT_OPTIONS, ...extra }), owned: true }
  } else if (typeof redis === 'object' && redis !== null) {
    if (redisOptions !== undefined) {
      throw new TypeError('options.redisOptions goes with a redis URL (or none); with a client or ioredis options in options.redis, set them there')
    }
    connection = fromObject(redis)
  } else {
    throw new TypeError(`options.redis must be ${ACCEPTS}, got ${lookOf(redis)}`)
  }
  if (connection.owned) {
    // Connection errors of a client the store created: every call they affect rejects with
    // them, so the client's own 'error' events (which ioredis otherwise prints) add nothing.
    connection.client.on('error', () => undefined)
  }
  if (keyPrefixOf(connection.client)) {
    if (connection.owned) connection.client.disconnect()
    throw keyPrefixError()
  }
  return connection
}

function fromObject(redis: object): Connection {
  if (isClient(redis)) {
    if (redis.status === 'end') {
      throw new TypeError(`options.redis is an ioredis ${(redis as Cluster).isCluster ? 'Cluster' : 'client'} that has been closed (quit() or disconnect()): pass an open client`)
    }
    return { client: redis, owned: false }
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
  return { client: new Redis({ ...OWNED_CLIENT_OPTIONS, ...(redis as RedisOptions) }), owned: true }
}

/** ioredis options must not be node-redis's: ioredis ignores what it does not know and connects to 127.0.0.1:6379. */
function checkIoredisOptions(options: RedisOptions, name: string): void {
  const found = Object.keys(options).filter((key) => key in NODE_REDIS_OPTIONS)
  if (found.length === 0) return
  const notes = found.map((key) => `${key}: ${NODE_REDIS_OPTIONS[key]}`).join('; ')
  throw new TypeError(`${name} looks like node-redis options (${found.join(', ')}), which ioredis would ignore and connect to 127.0.0.1:6379 instead: ${notes}`)
}

function keyPrefixOf(client: Client): unknown {
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

interface Corkable {
  cork(): void
  uncork(): void
}
/** Clients whose sockets are corked in this turn: those sockets, and the calls since the turn began. */
const corked = new WeakMap<object, { streams: Corkable[]; calls: number }>()
/** Calls whose commands wait in a corked socket before it is flushed within the same turn. */
export const COALESCE_CALLS = 16

/** The sockets a client's commands leave on: its own, or those of every node of a Cluster. */
function socketsOf(client: Client): Corkable[] {
  const clients = (client as Cluster).isCluster ? (client as Cluster).nodes('all') : [client as Redis]
  const streams: Corkable[] = []
  for (const node of clients) {
    const stream = node.stream as Partial<Corkable> | undefined
    if (stream && typeof stream.cork === 'function' && typeof stream.uncork === 'function') streams.push(stream as Corkable)
  }
  return streams
}

/**
 * Coalesces the commands sent in one turn of the event loop into few socket writes: corks the
 * client's socket (a Cluster client's: every node's, since the node a command goes to is
 * chosen inside ioredis), flushes it every COALESCE_CALLS calls, and uncorks it once the
 * current microtasks have run (process.nextTick). Many callers awaiting the store at once
 * then cost a write system call per few calls, not one each; flushing every few calls
 * (rather than once a turn) lets Redis start on the first commands while Node is still
 * sending the rest, so that Node and Redis work at the same time instead of taking turns
 * (which made ioredis's own auto-pipelining, one batch in flight per connection, slower
 * here). Nothing waits past the turn, so a socket's back-pressure is Node's as usual.
 */
export function coalesceWrites(client: Client): void {
  const state = corked.get(client)
  if (!state) {
    const streams = socketsOf(client)
    if (streams.length === 0) return
    corked.set(client, { streams, calls: 1 })
    for (const stream of streams) stream.cork()
    process.nextTick(() => {
      corked.delete(client)
      for (const stream of streams) stream.uncork()
    })
  } else if (++state.calls % COALESCE_CALLS === 0) {
    for (const stream of state.streams) {
      stream.uncork()
      stream.cork()
    }
  }
}

/**
 * The error of a call whose command had been handed to the client: Redis's own reply errors
 * as they are; a connection lost with the command sent (ioredis's "Connection is closed.",
 * "Reached the max retries per request limit", a reset socket) says the command may still
 * have been applied, as a timed-out one does.
 */
const CONNECTION_LOST = /^(Connection is closed|Reached the max retries per request limit|Stream isn't writeable)|\b(ECONNRESET|EPIPE|ECONNABORTED)\b/

export function afterSending(error: unknown): unknown {
  if (!(error instanceof Error) || !(error.name === 'MaxRetriesPerRequestError' || CONNECTION_LOST.test(error.message))) return error
  return new Error(`${redact(error.message)}: the connection was lost; the command was sent and may still be applied`, { cause: error })
}
