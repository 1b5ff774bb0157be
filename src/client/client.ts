/**
 * The seam between the store and a Redis client library: everything the core, the
 * integrations, the CLI and the expiry watcher ask of a client. One implementation per
 * library (ioredis.ts); nothing outside this folder imports a client library.
 */
import type { Script } from '../scripts.js'

/** An argument of a Redis command. */
export type Arg = string | number

/** One server of a deployment: the one Redis, or a master of a cluster. */
export interface ClientNode {
  /** host:port, for messages and to tell nodes apart. */
  readonly id: string
  /** The database the node's connection uses (keyspace notifications are per database). */
  readonly db: number
  /**
   * Whether a command sent to this node now goes out at once. False for a cluster node whose
   * connection is down (a master that died and is reconnecting): a command would wait for it,
   * maybe for good (node-redis queues it until the node is back). Always true for a single
   * server, whose calls wait for readiness themselves.
   */
  live(): boolean
  /** Runs one command on this node (CONFIG, SCAN, DBSIZE). */
  command(name: string, ...args: Arg[]): Promise<unknown>
  /** A connection of its own for pub/sub on this node, handing each message to onMessage. */
  subscriber(onMessage: (channel: string, message: string) => void): Subscriber
}

export interface Subscriber {
  subscribe(...channels: string[]): Promise<void>
  /** Ends the subscription politely (QUIT), or at once when that fails. */
  close(): Promise<void>
  /** Drops the connection at once. */
  drop(): void
}

export interface RedisClient {
  /** The client library's own object: the one the caller passed in, or the one the store made. */
  readonly native: unknown
  readonly isCluster: boolean

  /** Where the client connects (host:port, socket path, or a cluster's seed nodes); never credentials. */
  address(): string
  /** The connection's state in the library's words ('ready', 'connecting', ...), for messages. */
  state(): string
  /** Whether a call may send now: connected, ready, and not refused by Redis. */
  ready(): boolean
  /**
   * Resolves once the client can send; rejects with Redis's (or the socket's) error when
   * connecting fails, or once the client has ended. Nothing is sent while waiting.
   */
  whenReady(): Promise<void>
  /** How many times the connection has become ready: it changes after each reconnection. */
  readyCount(): number
  /** Calls listener when a cluster's topology changes (failover, nodes added or removed); answers how to stop. */
  onTopologyChange(listener: () => void): () => void

  /**
   * Runs a script (scripts.ts): keys go to KEYS, args to ARGV. The first call of a script on
   * a client defines it there (ioredis) or loads it (node-redis: EVAL after NOSCRIPT). A
   * read-only variant (script.readOnly) is sent as a read (EVALSHA_RO, or EVALSHA of a
   * no-writes script: a replica runs either), to a replica where the client reads from replicas.
   */
  script(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown>
  /** Whether the client sends reads to replicas by its own settings (ioredis Cluster scaleReads, node-redis cluster useReplicas). */
  readsReplicas(): boolean
  get(key: string): Promise<string | null>
  /** Values of keys that share one hash slot. */
  mget(keys: readonly string[]): Promise<Array<string | null>>
  exists(key: string): Promise<number>
  pttl(key: string): Promise<number>
  /** Any other command, sent where its key lives (TIME, ZCARD, ZSCAN, MEMORY USAGE). */
  command(name: string, ...args: Arg[]): Promise<unknown>
  /** The one server, or every master of a cluster. */
  masters(): ClientNode[]

  /**
   * WAIT on the connection that runs commands for `key` (on a cluster, its slot's master):
   * how many replicas acknowledged every write sent on it so far, within `timeout` ms.
   */
  replicated(key: string, replicas: number, timeout: number): Promise<number>

  /** Which connection runs commands for `key`: the same answer, the same connection ('' for a single server's). */
  connectionOf(key: string): string
  /** Coalesces the commands sent in this turn of the event loop into few socket writes. */
  coalesce(): void
  /**
   * A call sent through this client got no answer within its timeout: a chance to notice a
   * dead node (a cluster client that never learns of a failover on its own asks the cluster again).
   */
  stalled(): void
  /** A Redis error reply (as opposed to the socket's, or the library's). */
  isReplyError(error: unknown): boolean
  /**
   * The error of a call whose command was handed to the client: a lost connection says the
   * command may still have been applied; anything else as it is.
   */
  afterSending(error: unknown): unknown
  /** The store is done with a client it was given (close()): what the adapter made on it is freed; the client stays open. */
  release(): void
  /** Quits (disconnects when quitting fails); never rejects. */
  close(): Promise<void>
  disconnect(): void
}
