/**
 * The client seam (client.ts) on ioredis: a Redis or Cluster client, the caller's or one
 * connect.ts made. A script is registered with `defineCommand` when it is first sent, under
 * a name that carries the package version (scripts.ts), so two versions of this library
 * sharing one connection never run each other's scripts; ioredis sends EVALSHA and falls back to EVAL
 * when the server does not know a script (after SCRIPT FLUSH, a restart or a failover).
 * One adapter per ioredis client, however many stores share it.
 */
import type { Cluster, Redis } from 'ioredis'
import type { Script } from '../scripts.js'
import { keySlot } from './keyslot.js'
import { redact } from '../urls.js'
import type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
import { coalesceWrites } from './coalesce.js'
import { waitUntilReady } from './readiness.js'
import { probingTls, tlsWorded } from './tls.js'

export type IoredisClient = Redis | Cluster

type ScriptCommand = (numberOfKeys: number, keys: readonly string[], args: readonly Arg[]) => Promise<unknown>

const adapters = new WeakMap<IoredisClient, IoredisAdapter>()

/** The adapter of an ioredis client: made once per client. */
export function ioredisAdapter(native: IoredisClient): IoredisAdapter {
  let adapter = adapters.get(native)
  if (!adapter) adapters.set(native, (adapter = new IoredisAdapter(native)))
  return adapter
}

/** ioredis's Redis or Cluster client (duck-typed: the caller's copy of ioredis may not be ours). */
export function isIoredisClient(value: object): value is IoredisClient {
  return typeof (value as Redis).defineCommand === 'function' && typeof (value as Redis).sendCommand === 'function'
}

/**
 * A connection lost with the command sent (ioredis's "Connection is closed.", "Reached the
 * max retries per request limit", a reset socket): the command may still have been applied.
 */
const CONNECTION_LOST = /^(Connection is closed|Reached the max retries per request limit|Stream isn't writeable)|\b(ECONNRESET|EPIPE|ECONNABORTED)\b/

class IoredisAdapter implements RedisClient {
  readonly isCluster: boolean
  #readies = 0
  /** One wait for readiness, shared by every call that waits. */
  #waiting: Promise<void> | undefined
  /**
   * Redis refused part of the handshake (a database index the server does not have: ioredis
   * reports the failed SELECT and goes on in db 0): every call rejects with Redis's error
   * until the client connects again.
   */
  #refused: Error | undefined
  /** The scripts defined on the client so far, as its commands. */
  readonly #scripts = new Map<Script, ScriptCommand>()

  constructor(readonly native: IoredisClient) {
    this.isCluster = (native as Cluster).isCluster === true
    native.on('ready', () => this.#readies++)
  }

  address(): string {
    if (this.isCluster) {
      const nodes = ((this.native as unknown as { startupNodes?: unknown[] }).startupNodes ?? []) as Array<string | number | { host?: string; port?: number }>
      const seeds = nodes.map((node) => (typeof node === 'object' ? `${node.host ?? '127.0.0.1'}:${node.port ?? 6379}` : redact(String(node))))
      return `the cluster at ${seeds.join(',') || 'its seed nodes'}`
    }
    const { host, port, path } = (this.native as Redis).options
    return path ? String(path) : `${host ?? '127.0.0.1'}:${port ?? 6379}`
  }

  state(): string {
    return this.native.status
  }

  ready(): boolean {
    return this.native.status === 'ready' && this.#refused === undefined
  }

  readyCount(): number {
    return this.#readies
  }

  /**
   * Rejects with the first error the client reports while connecting (a refused connection,
   * a password Redis refuses, TLS, a database it does not have), so that the caller reads
   * Redis's own words at once instead of a timeout. A call that fails or times out here has
   * sent nothing, so ioredis's offline queue can never deliver it when Redis comes back.
   */
  whenReady(): Promise<void> {
    const client = this.native
    if (client.status === 'ready') return this.#refused ? Promise.reject(this.#refused) : Promise.resolve()
    if (client.status === 'end') return Promise.reject(new Error('Connection is closed (the client has quit or been disconnected; nothing was sent)'))
    if (!this.#waiting) {
      const failure = (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        const cause = new Error(`${tlsWorded(redact(message), error, this.#tlsTarget() !== undefined)} (while connecting to ${this.address()}; nothing was sent)`, { cause: error })
        if (this.isReplyError(error)) this.#refuse(cause)
        return cause
      }
      const waiting = waitUntilReady(client, 'ready', failure, 'Connection is closed (nothing was sent)', () => (this.#waiting = undefined))
      this.#waiting = probingTls(waiting, this.#tlsTarget(), this.address())
      this.#waiting.catch(() => undefined) // a wait nobody races any more is no unhandled rejection
      // A client made with lazyConnect waits for its first command: connect it now.
      if (client.status === 'wait') client.connect().catch(() => undefined)
    }
    return this.#waiting
  }

  /** Where a TLS client (not a cluster's) connects: its port is probed for plain text while it connects (tls.ts). */
  #tlsTarget(): { host: string; port: number } | undefined {
    if (this.isCluster) return undefined
    const { tls, host, port, path } = (this.native as Redis).options
    return tls && !path ? { host: host ?? '127.0.0.1', port: port ?? 6379 } : undefined
  }

  /** Redis refused the handshake: calls reject with its error until the connection closes (the next attempt is judged anew). */
  #refuse(error: Error): void {
    if (!this.#refused) this.native.once('close', () => (this.#refused = undefined))
    this.#refused = error
  }

  onTopologyChange(listener: () => void): () => void {
    if (!this.isCluster) return () => undefined
    const events = ['refresh', '+node', '-node'] as const
    for (const event of events) this.native.on(event, listener)
    return () => {
      for (const event of events) this.native.off(event, listener)
    }
  }

  readsReplicas(): boolean {
    if (!this.isCluster) return false
    const scaleReads = (this.native as Cluster).options.scaleReads
    return scaleReads !== undefined && scaleReads !== 'master'
  }

  script(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const command = this.#scripts.get(script) ?? this.#define(script)
    return command.call(this.native, keys.length, keys, args) // ioredis flattens the arrays
  }

  /**
   * Defines a script on the client (once: another adapter of the same library version may have
   * already). A read-only variant is defined readOnly: ioredis routes it as a read (scaleReads);
   * it sends EVALSHA, which a replica runs for a no-writes script.
   */
  #define(script: Script): ScriptCommand {
    const commands = this.native as unknown as Record<string, ScriptCommand>
    if (typeof commands[script.command] !== 'function') this.native.defineCommand(script.command, { lua: script.source, readOnly: script.readOnly })
    const command = commands[script.command] as ScriptCommand
    this.#scripts.set(script, command)
    return command
  }

  get(key: string): Promise<string | null> {
    return this.native.get(key)
  }

  mget(keys: readonly string[]): Promise<Array<string | null>> {
    return this.native.mget(keys as string[])
  }

  exists(key: string): Promise<number> {
    return this.native.exists(key)
  }

  pttl(key: string): Promise<number> {
    return this.native.pttl(key)
  }

  command(name: string, ...args: Arg[]): Promise<unknown> {
    return this.native.call(name, ...args)
  }

  async replicated(key: string, replicas: number, timeout: number): Promise<number> {
    if (!this.isCluster) return (await this.native.call('WAIT', replicas, timeout)) as number
    // A keyless command goes to any node of a cluster; in a pipeline it goes with the keyed one, to the key's master.
    const replies = (await this.native.pipeline().exists(key).call('WAIT', replicas, timeout).exec()) ?? []
    const [error, acknowledged] = replies[1] ?? [new Error('WAIT got no reply')]
    if (error) throw error
    return acknowledged as number
  }

  connectionOf(key: string): string {
    if (!this.isCluster) return ''
    return (this.native as unknown as { slots: Array<string[] | undefined> }).slots[keySlot(key)]?.[0] ?? ''
  }

  masters(): ClientNode[] {
    const nodes = this.isCluster ? (this.native as Cluster).nodes('master') : [this.native as Redis]
    return nodes.map((node) => nodeOf(node, this.isCluster))
  }

  coalesce(): void {
    coalesceWrites(this.native)
  }

  stalled(): void {
    // ioredis's Cluster refreshes its slots itself (on MOVED, and every slotsRefreshInterval).
  }

  isReplyError(error: unknown): boolean {
    return error instanceof Error && error.name === 'ReplyError'
  }

  afterSending(error: unknown): unknown {
    if (!(error instanceof Error) || !(error.name === 'MaxRetriesPerRequestError' || CONNECTION_LOST.test(error.message))) return error
    return new Error(`${redact(error.message)}: the connection was lost; the command was sent and may still be applied`, { cause: error })
  }

  release(): void {
    // The scripts ioredis defined stay on the client, as commands of it.
  }

  close(): Promise<void> {
    return this.native.quit().then(
      () => undefined,
      () => this.native.disconnect(),
    )
  }

  disconnect(): void {
    this.native.disconnect()
  }
}

function nodeOf(node: Redis, inCluster: boolean): ClientNode {
  return {
    id: `${node.options.host}:${node.options.port}`,
    db: node.options.db ?? 0,
    // Live: ready, or connecting for the first time (ioredis connects a cluster's nodes
    // lazily). Down: it lost its connection (closed, ended, or retrying: ioredis counts the
    // retries until it is ready again).
    live: () =>
      !inCluster ||
      node.status === 'ready' ||
      (['wait', 'connecting', 'connect'].includes(node.status) && ((node as unknown as { retryAttempts?: number }).retryAttempts ?? 0) === 0),
    command: (name, ...args) => node.call(name, ...args),
    subscriber: (onMessage) => subscriberOf(node, onMessage),
  }
}

function subscriberOf(node: Redis, onMessage: (channel: string, message: string) => void): Subscriber {
  const connection = node.duplicate({ lazyConnect: false })
  connection.on('error', () => undefined) // it reconnects by itself (and subscribes again); events meanwhile are lost (at most once)
  connection.on('message', onMessage)
  return {
    subscribe: async (...channels) => {
      await connection.subscribe(...channels)
    },
    // QUIT is answered before the server drops the connection: on a live connection, wait (a
    // second at most) for the socket to close too, so that when close() resolves the server no
    // longer lists this subscriber. (Between reconnects ioredis quits at once, with no 'end'.)
    close: async () => {
      const ended = connection.status === 'ready' ? closedWithin(connection, 1000) : undefined
      await connection.quit().then(
        () => undefined,
        () => connection.disconnect(),
      )
      await ended
    },
    drop: () => connection.disconnect(),
  }
}

/** Resolves when the connection has ended, or after `ms` at the latest. */
function closedWithin(connection: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    timer.unref()
    connection.once('end', done)
    function done() {
      clearTimeout(timer)
      connection.off('end', done)
      resolve()
    }
  })
}
