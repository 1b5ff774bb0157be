/**
 * The ioredis client a store talks through: the caller's own, or one the store creates
 * (and then quits on close()).
 */
import { Redis, type Cluster, type RedisOptions } from 'ioredis'
import { DEFAULTS } from './options.js'
import type { Client } from './scripts.js'

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
 * Resolves once the client is connected and ready, rejects once it has ended; one promise
 * per client and wait, shared by every call that waits. The store awaits it before it sends
 * anything, with its timeout racing it: a call that times out while the client is still
 * reconnecting has sent nothing, so ioredis's offline queue can never deliver it when Redis
 * comes back.
 */
export function whenReady(client: Client): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  if (client.status === 'end') return Promise.reject(new Error('Connection is closed.'))
  let waiting = readiness.get(client)
  if (!waiting) {
    waiting = new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        client.off('ready', onReady)
        client.off('end', onEnd)
        readiness.delete(client)
        if (error) reject(error)
        else resolve()
      }
      const onReady = () => settle()
      const onEnd = () => settle(new Error('Connection is closed.'))
      client.on('ready', onReady)
      client.on('end', onEnd)
    })
    waiting.catch(() => undefined) // a wait nobody races any more is no unhandled rejection
    readiness.set(client, waiting)
    // A client made with lazyConnect waits for its first command: connect it now.
    if (client.status === 'wait') client.connect().catch(() => undefined)
  }
  return waiting
}

export interface Connection {
  readonly client: Client
  /** Whether the store created the client and so quits it on close(). */
  readonly owned: boolean
}

function isClient(value: object): value is Client {
  return typeof (value as Client).defineCommand === 'function' && typeof (value as Client).sendCommand === 'function'
}

function keyPrefixOf(client: Client): unknown {
  if ((client as Cluster).isCluster) {
    const options = (client as Cluster).options
    return options.keyPrefix || options.redisOptions?.keyPrefix
  }
  return (client as Redis).options.keyPrefix
}

export function connect(redis: unknown, redisOptions?: unknown): Connection {
  if (redisOptions !== undefined && (typeof redisOptions !== 'object' || redisOptions === null)) {
    throw new TypeError(`options.redisOptions must be ioredis options (an object), got ${redisOptions === null ? 'null' : typeof redisOptions}`)
  }
  const extra = (redisOptions ?? {}) as RedisOptions
  if (extra.keyPrefix) throw keyPrefixError()
  let connection: Connection
  if (redis === undefined) {
    connection = { client: new Redis(DEFAULTS.redis, { ...OWNED_CLIENT_OPTIONS, ...extra }), owned: true }
  } else if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) {
      throw new TypeError(`options.redis must be a redis:// or rediss:// URL, an ioredis client or ioredis options, got the string ${JSON.stringify(redis)}`)
    }
    connection = { client: new Redis(redis, { ...OWNED_CLIENT_OPTIONS, ...extra }), owned: true }
  } else if (typeof redis === 'object' && redis !== null) {
    if (redisOptions !== undefined) {
      throw new TypeError('options.redisOptions goes with a redis URL (or none); with a client or ioredis options in options.redis, set them there')
    }
    if (isClient(redis)) {
      connection = { client: redis, owned: false }
    } else {
      if ((redis as RedisOptions).keyPrefix) throw keyPrefixError()
      connection = { client: new Redis({ ...OWNED_CLIENT_OPTIONS, ...(redis as RedisOptions) }), owned: true }
    }
  } else {
    throw new TypeError(`options.redis must be a redis:// or rediss:// URL, an ioredis client or ioredis options, got ${typeof redis}`)
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

function keyPrefixError(): TypeError {
  return new TypeError(
    'options.redis has an ioredis keyPrefix, which this store cannot use: keys that its scripts derive from index members would not get the prefix. Use options.namespace instead.',
  )
}

interface Corkable { cork(): void; uncork(): void }
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
