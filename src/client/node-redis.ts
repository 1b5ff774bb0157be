/**
 * The client seam (client.ts) on node-redis: a client from `createClient()` (redis 5 or 6,
 * @redis/client) or a cluster from `createCluster()`, the caller's or one connect.ts made.
 * node-redis cannot gain commands after it is created, so scripts run as EVALSHA of their
 * SHA-1 (computed when a script is first sent); a server that does not know one (NOSCRIPT: after SCRIPT FLUSH, a restart or a
 * failover) gets it once as EVAL, which loads it again. node-redis already writes the
 * commands of one tick together, so nothing is coalesced here. Every listener the adapter
 * adds while waiting for readiness is removed once the wait settles.
 */
import { createHash } from 'node:crypto'
import type { Script } from '../scripts.js'
import { redact } from '../urls.js'
import type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
import { keySlot } from './keyslot.js'
import { waitUntilReady } from './readiness.js'
import { probingTls, tlsWorded } from './tls.js'

type Listener = (...args: unknown[]) => void
interface Emitter {
  on(event: string, listener: Listener): unknown
  off(event: string, listener: Listener): unknown
}

/** Options of one command: `timeout` 0 sends it without node-redis's own timer (see OWN_DEADLINE). */
export interface NodeRedisCommandOptions {
  timeout?: number
}

/**
 * Sent with every command: the store's calls keep their own deadline (the `timeout` option,
 * on one shared timer: deadlines.ts), so node-redis's per-command timer is not wanted.
 * node-redis 6 gives every command one by default (`commandOptions.timeout`, 5 s): an
 * `AbortSignal.timeout()` and its listeners a command, which cost more Node CPU than the rest
 * of a GET (profiled: 27 µs against 7 µs a Keyv get), and which would cut short a call the
 * store lets run longer (a WAIT of `durability.timeout` over 5 s). node-redis 5 has no
 * default; 0 leaves it as it is.
 */
export const OWN_DEADLINE: NodeRedisCommandOptions = { timeout: 0 }

/** What this adapter uses of a node-redis client (redis 5 and 6). */
export interface NodeRedisClientLike extends Emitter {
  readonly isOpen: boolean
  readonly isReady: boolean
  readonly socketEpoch?: number
  readonly options?: { url?: string; database?: number; socket?: { host?: string; port?: number; path?: string } }
  sendCommand(args: string[], options?: NodeRedisCommandOptions): Promise<unknown>
  duplicate(): NodeRedisClientLike
  connect(): Promise<unknown>
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>
  close?(): Promise<unknown>
  quit?(): Promise<unknown>
  destroy?(): void
  disconnect?(): Promise<unknown>
}

interface ShardNode {
  readonly host: string
  readonly port: number
}

/** What this adapter uses of a node-redis cluster. */
export interface NodeRedisClusterLike extends Emitter {
  readonly isOpen: boolean
  readonly masters: readonly ShardNode[]
  readonly _options?: { rootNodes?: Array<{ url?: string; socket?: { host?: string; port?: number } }> }
  nodeClient(node: ShardNode): NodeRedisClientLike | Promise<NodeRedisClientLike>
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[], options?: NodeRedisCommandOptions): Promise<unknown>
  close?(): Promise<unknown>
  quit?(): Promise<unknown>
  destroy?(): void
  disconnect?(): Promise<unknown>
}

export type NodeRedisLike = NodeRedisClientLike | NodeRedisClusterLike

/** What the sentinel adapter (node-redis-sentinel.ts) uses of node-redis's createSentinel() object. */
export interface NodeRedisSentinelLike extends Emitter {
  readonly isOpen: boolean
  readonly isReady: boolean
  sendCommand(isReadonly: boolean | undefined, args: string[], options?: NodeRedisCommandOptions): Promise<unknown>
  getMasterNode(): { host: string; port: number } | undefined
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>
  close?(): Promise<unknown>
  quit?(): Promise<unknown>
  destroy?(): unknown
  disconnect?(): Promise<unknown>
}

/** node-redis's createSentinel() object (redis 5 and 6): driven by node-redis-sentinel.ts. */
export function isNodeRedisSentinel(value: object): value is NodeRedisSentinelLike {
  const v = value as { getSentinelNode?: unknown; getMasterNode?: unknown; sendCommand?: unknown }
  return typeof v.getSentinelNode === 'function' && typeof v.getMasterNode === 'function' && typeof v.sendCommand === 'function'
}

/** node-redis's createClient() and createCluster() objects (redis 4 to 6, @redis/client). */
export function nodeRedisKind(value: object): 'client' | 'cluster' | undefined {
  const v = value as { isOpen?: unknown; sendCommand?: unknown; masters?: unknown; defineCommand?: unknown }
  if (typeof v.isOpen !== 'boolean' || typeof v.sendCommand !== 'function' || typeof v.defineCommand === 'function') return undefined
  return v.masters !== undefined ? 'cluster' : 'client'
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')
type ScriptCommands = { readonly sha: readonly string[]; readonly source: readonly string[] }
const commandsOf = new WeakMap<Script, ScriptCommands>()

/**
 * The commands that run a script on node-redis: EVALSHA of its SHA-1, and EVAL of its text
 * for a server that does not know it (NOSCRIPT); EVALSHA_RO and EVAL_RO for a read-only
 * variant (Redis 7), which a replica runs. Made when the script is first sent.
 */
export function scriptCommands(script: Script): ScriptCommands {
  let commands = commandsOf.get(script)
  if (commands === undefined) {
    const ro = script.readOnly ? '_RO' : ''
    commands = { sha: [`EVALSHA${ro}`, sha1(script.source)], source: [`EVAL${ro}`, script.source] }
    commandsOf.set(script, commands)
  }
  return commands
}

const adapters = new WeakMap<object, NodeRedisAdapter>()

export function nodeRedisAdapter(native: NodeRedisLike): NodeRedisAdapter {
  let adapter = adapters.get(native)
  if (!adapter) adapters.set(native, (adapter = new NodeRedisAdapter(native)))
  return adapter
}

/** How long close() waits for a client to close politely before it drops it. */
const CLOSE_MS = 2000

const CONNECTION_LOST = /^(The client is closed|Socket closed unexpectedly|Connection timeout)|\b(ECONNRESET|EPIPE|ECONNABORTED)\b/

/** What the node-redis adapters share (this one, and node-redis-sentinel.ts's): errors and closing. */
export abstract class NodeRedisCommon<N extends NodeRedisLike | NodeRedisSentinelLike> {
  constructor(readonly native: N) {}

  /** node-redis's ErrorReply (and its SimpleError, BlobError): found by name, the caller's copy of node-redis may not be ours. */
  isReplyError(error: unknown): boolean {
    for (let proto = error instanceof Error ? Object.getPrototypeOf(error) : null; proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
      if (proto.constructor?.name === 'ErrorReply') return true
    }
    return false
  }

  /** An error of a call whose command was sent: a lost connection says it may have been applied. */
  afterSending(error: unknown): unknown {
    if (!(error instanceof Error) || !CONNECTION_LOST.test(error.message)) return error
    return new Error(`${redact(error.message)}: the connection was lost; the command was sent and may still be applied`, { cause: error })
  }

  release(): void {
    // The scripts' commands are made per adapter and need no freeing.
  }

  close(): Promise<void> {
    return closeWithin(this.native)
  }

  disconnect(): void {
    drop(this.native)
  }
}

class NodeRedisAdapter extends NodeRedisCommon<NodeRedisLike> implements RedisClient {
  readonly isCluster: boolean
  #waiting: Promise<void> | undefined
  /** The cluster's masters and their connections as last seen, and how many such states were seen (readyCount). */
  #clusterState = ''
  #clusterStates = 0

  constructor(native: NodeRedisLike) {
    super(native)
    this.isCluster = nodeRedisKind(native) === 'cluster'
  }

  get #client(): NodeRedisClientLike {
    return this.native as NodeRedisClientLike
  }

  get #cluster(): NodeRedisClusterLike {
    return this.native as NodeRedisClusterLike
  }

  address(): string {
    if (this.isCluster) {
      const roots = this.#cluster._options?.rootNodes ?? []
      const seeds = roots.map((node) => (node.url ? redact(node.url) : `${node.socket?.host ?? 'localhost'}:${node.socket?.port ?? 6379}`))
      return `the cluster at ${seeds.join(',') || 'its root nodes'}`
    }
    const options = this.#client.options ?? {}
    if (options.socket?.path) return options.socket.path
    if (options.socket?.host || options.socket?.port) return `${options.socket.host ?? 'localhost'}:${options.socket.port ?? 6379}`
    if (options.url) {
      const url = new URL(options.url)
      return `${url.hostname || 'localhost'}:${url.port || 6379}`
    }
    return 'localhost:6379'
  }

  state(): string {
    if (!this.native.isOpen) return 'closed'
    return this.ready() ? 'ready' : 'connecting'
  }

  ready(): boolean {
    if (this.isCluster) return this.#cluster.isOpen && this.#cluster.masters.length > 0
    return this.#client.isReady
  }

  readyCount(): number {
    if (this.isCluster) {
      // Changes with a failover (other masters) and with any master's reconnection: a count of
      // the distinct states seen, exact for any number of masters.
      let state = ''
      for (const master of this.#cluster.masters) state += `${master.host}:${master.port}@${(master as { client?: { socketEpoch?: number } }).client?.socketEpoch ?? 0},`
      if (state !== this.#clusterState) {
        this.#clusterState = state
        this.#clusterStates++
      }
      return this.#clusterStates
    }
    return this.#client.socketEpoch ?? 0
  }

  /** Resolves once the client is ready; rejects with the first error it reports while connecting, or when it is not open. */
  whenReady(): Promise<void> {
    if (this.ready()) return Promise.resolve()
    if (!this.native.isOpen) {
      return Promise.reject(new Error('The node-redis client is not open: it has been closed, or connect() was never called (nothing was sent)'))
    }
    if (!this.#waiting) {
      const failure = (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        return new Error(`${tlsWorded(redact(message), error, this.#tlsTarget() !== undefined)} (while connecting to ${this.address()}; nothing was sent)`, { cause: error })
      }
      const readyEvent = this.isCluster ? 'connect' : 'ready'
      // A cluster with several root nodes reports each one it cannot reach and tries the next: only
      // the last one's failure (or the call's timeout) ends the wait.
      const roots = this.isCluster ? (this.#cluster._options?.rootNodes?.length ?? 1) : 1
      const fatal = () => roots <= 1 || !this.native.isOpen
      const waiting = waitUntilReady(this.native, readyEvent, failure, 'The client is closed (nothing was sent)', () => (this.#waiting = undefined), fatal)
      this.#waiting = probingTls(waiting, this.#tlsTarget(), this.address())
      this.#waiting.catch(() => undefined)
    }
    return this.#waiting
  }

  /** Where a TLS client (not a cluster) connects: its port is probed for plain text while it connects (tls.ts). */
  #tlsTarget(): { host: string; port: number } | undefined {
    if (this.isCluster) return undefined
    const options = this.#client.options ?? {}
    const socket = options.socket as { tls?: unknown; host?: string; port?: number; path?: string } | undefined
    if (socket?.path || !(socket?.tls === true || options.url?.startsWith('rediss:'))) return undefined
    const url = options.url ? new URL(options.url) : undefined
    return { host: socket?.host ?? (url?.hostname || 'localhost'), port: socket?.port ?? (Number(url?.port) || 6379) }
  }

  /** A node-redis cluster connects to a new node (a promoted replica, an added master) after it rediscovers the slots. */
  onTopologyChange(listener: () => void): () => void {
    if (!this.isCluster) return () => undefined
    const events = ['node-ready', 'node-disconnect']
    for (const event of events) this.native.on(event, listener)
    return () => {
      for (const event of events) this.native.off(event, listener)
    }
  }

  async script(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args.map(String)]
    const { sha, source } = scriptCommands(script)
    try {
      return await this.#send(keys[0], [...sha, ...tail], script.readOnly)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return this.#send(keys[0], [...source, ...tail], script.readOnly) // loads it again
    }
  }

  readsReplicas(): boolean {
    return this.isCluster && (this.native as { _options?: { useReplicas?: boolean } })._options?.useReplicas === true
  }

  /** Sends a command; on a cluster, `readOnly` lets node-redis send it to a replica (useReplicas). */
  #send(key: string | undefined, args: string[], readOnly = false): Promise<unknown> {
    if (!this.isCluster) return this.#client.sendCommand(args, OWN_DEADLINE)
    if (key !== undefined && this.#masterDown(key)) return this.#routed(key, args, readOnly)
    return this.#cluster.sendCommand(key, readOnly, args, OWN_DEADLINE)
  }

  /**
   * A command for a master whose connection is down: sent after the running rediscovery, and
   * if that left the slot on the dead node, after one more that starts later (at most a
   * second away: a replica may have been promoted since the running one read the slots); then
   * sent wherever node-redis routes it. So once a replica has been promoted a command goes
   * there, and the dead node's client (destroyed by node-redis) holds nothing of ours;
   * commands for healthy masters never wait.
   */
  async #routed(key: string, args: string[], readOnly: boolean): Promise<unknown> {
    await this.#rediscovering
    if (this.#masterDown(key)) await this.#laterRediscovery()
    return this.#cluster.sendCommand(key, readOnly, args, OWN_DEADLINE)
  }

  /**
   * Whether the master node-redis routes `key` to has lost its connection (it died, or is
   * restarting): a command sent now would wait in that node's queue. (node-redis's slot
   * table, an internal: false where it is missing.)
   */
  #masterDown(key: string): boolean {
    return lostConnection(this.#masterOf(key)?.client)
  }

  /** The master node-redis routes `key` to, as its slot table says. */
  #masterOf(key: string): { client?: NodeRedisClientLike; address?: string; id?: string } | undefined {
    const slots = (this.native as { _slots?: { slots?: Array<{ master?: { client?: NodeRedisClientLike; address?: string; id?: string } } | undefined> } })._slots?.slots
    return slots?.[keySlot(key)]?.master
  }

  get(key: string): Promise<string | null> {
    return this.#send(key, ['GET', key], true) as Promise<string | null>
  }

  mget(keys: readonly string[]): Promise<Array<string | null>> {
    return this.#send(keys[0], ['MGET', ...keys], true) as Promise<Array<string | null>>
  }

  exists(key: string): Promise<number> {
    return this.#send(key, ['EXISTS', key], true) as Promise<number>
  }

  pttl(key: string): Promise<number> {
    return this.#send(key, ['PTTL', key], true) as Promise<number>
  }

  /** WAIT on the connection of `key`'s node (a cluster routes by the key given, which WAIT itself does not have). */
  async replicated(key: string, replicas: number, timeout: number): Promise<number> {
    return Number(await this.#send(key, ['WAIT', String(replicas), String(timeout)]))
  }

  /** Any other command; on a cluster sent where its key lives (MEMORY USAGE's is its second argument; TIME has none). */
  command(name: string, ...args: Arg[]): Promise<unknown> {
    const strings = args.map(String)
    const key = name.toUpperCase() === 'MEMORY' ? strings[1] : name.toUpperCase() === 'TIME' ? undefined : strings[0]
    return this.#send(key, [name, ...strings])
  }

  connectionOf(key: string): string {
    if (!this.isCluster) return ''
    const master = this.#masterOf(key)
    return master?.address ?? master?.id ?? ''
  }

  masters(): ClientNode[] {
    if (!this.isCluster)
      return [
        nodeOf(
          () => this.#client,
          this.address(),
          this.#client.options?.database ?? 0,
          () => true,
        ),
      ]
    const cluster = this.#cluster
    return cluster.masters.map((master) =>
      nodeOf(
        () => cluster.nodeClient(master),
        `${master.host}:${master.port}`,
        0,
        () => !lostConnection((master as { client?: NodeRedisClientLike }).client),
      ),
    )
  }

  coalesce(): void {
    // node-redis writes the commands of one tick in one go already.
  }

  /** When the last rediscovery started (ms), the one running, and the next one, waiting for its turn. */
  #lastRediscovery = 0
  #rediscovering: Promise<void> | undefined
  #nextRediscovery: Promise<void> | undefined

  /**
   * node-redis's cluster learns new slots only from a MOVED reply: commands for the slots of
   * a master that died wait in its node's queue while that node reconnects, forever, and the
   * promoted replica is never found. So after a call that got no answer, the cluster asks its
   * nodes again (see #rediscover).
   */
  stalled(): void {
    if (this.isCluster) this.#rediscover()
  }

  /**
   * Has the cluster ask its nodes for the slots again, through node-redis's own rediscovery
   * (an internal method, used when present: node-redis 5 and 6 have it), starting from a
   * master that is up; at most once a second. Resolves once it has run; undefined when none
   * can run now.
   */
  #rediscover(): Promise<void> | undefined {
    if (this.#rediscovering) return this.#rediscovering
    if (Date.now() - this.#lastRediscovery < 1000) return undefined
    const slots = (this.native as { _slots?: { rediscover?(startWith: unknown): Promise<unknown> } })._slots
    const live = this.#cluster.masters.map((master) => (master as { client?: NodeRedisClientLike }).client).find((client) => client?.isReady)
    if (typeof slots?.rediscover !== 'function' || !live) return undefined
    this.#lastRediscovery = Date.now()
    this.#rediscovering = slots
      .rediscover(live)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => (this.#rediscovering = undefined))
    return this.#rediscovering
  }

  /** A rediscovery that starts after now, as soon as the once-a-second limit lets it. */
  #laterRediscovery(): Promise<void> {
    this.#nextRediscovery ??= (async () => {
      const wait = this.#lastRediscovery + 1000 - Date.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      this.#nextRediscovery = undefined
      await this.#rediscover()
    })()
    return this.#nextRediscovery
  }
}

/**
 * Whether a cluster node's client lost its connection (it was ready once, and is not now: the
 * node died or restarts, and node-redis reconnects); not a client never made (node-redis
 * makes them lazily with minimizeConnections) or connecting for the first time.
 */
function lostConnection(client: NodeRedisClientLike | undefined): boolean {
  return client !== undefined && !client.isReady && (client.socketEpoch ?? 1) > 0
}

/** Drops a node-redis client, cluster or sentinel client at once. */
function drop(native: { destroy?(): unknown; disconnect?(): Promise<unknown> }): void {
  if (typeof native.destroy === 'function') native.destroy()
  else native.disconnect?.().catch(() => undefined)
}

/** A map reply (CONFIG GET on RESP3, as node-redis 6 speaks by default) as the flat [key, value, ...] array RESP2 gives. */
export function flatReply(reply: unknown): unknown {
  if (reply instanceof Map) return [...reply].flat()
  if (reply !== null && typeof reply === 'object' && !Array.isArray(reply) && !Buffer.isBuffer(reply)) return Object.entries(reply).flat()
  return reply
}

/** Closes politely (pending replies first); a client that cannot within CLOSE_MS (reconnecting to a dead node) is dropped. */
export async function closeWithin(native: NodeRedisLike | NodeRedisSentinelLike): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_MS)))
  try {
    const closing = typeof native.close === 'function' ? native.close() : native.quit?.()
    if ((await Promise.race([closing, late])) === 'late') drop(native)
  } catch {
    if (native.isOpen) drop(native)
  } finally {
    clearTimeout(timer)
  }
}

function nodeOf(client: () => NodeRedisClientLike | Promise<NodeRedisClientLike>, id: string, db: number, live: () => boolean): ClientNode {
  return {
    id,
    db,
    live,
    command: async (name, ...args) => flatReply(await (await client()).sendCommand([name, ...args.map(String)], OWN_DEADLINE)),
    subscriber: (onMessage) => subscriberOf(client, onMessage),
  }
}

function subscriberOf(client: () => NodeRedisClientLike | Promise<NodeRedisClientLike>, onMessage: (channel: string, message: string) => void): Subscriber {
  let connection: NodeRedisClientLike | undefined
  const ignore = () => undefined
  return {
    subscribe: async (...channels) => {
      connection = (await client()).duplicate()
      connection.on('error', ignore) // it reconnects (and subscribes again) by itself; events meanwhile are lost (at most once)
      await connection.connect()
      await connection.subscribe(channels, (message, channel) => onMessage(channel, message))
    },
    close: async () => {
      const c = connection
      connection = undefined
      if (c?.isOpen) await closeWithin(c)
    },
    drop: () => {
      const c = connection
      connection = undefined
      if (c?.isOpen) drop(c)
    },
  }
}
