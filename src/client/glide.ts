/**
 * Valkey GLIDE (`@valkey/valkey-glide` 2) behind the client seam: a GlideClient or a
 * GlideClusterClient the application created and passed in (the store never creates one,
 * and never closes one it was given). Recognised by its methods, not by `instanceof`.
 *
 * - Scripts go through GLIDE's own `Script` and `invokeScript` (EVALSHA, reloaded on
 *   NOSCRIPT by GLIDE; on a cluster routed by the keys' slot). One `Script` per script and
 *   client, made when the store first sends it, released when the store closes.
 * - Other commands go through `customCommand`: keyed ones are routed by their key; a node's
 *   own (CONFIG, SCAN, DBSIZE) by its address; WAIT to the key's primary.
 * - Replies come in RESP3 (GLIDE's default): a map reply (CONFIG GET) is flattened to the
 *   name, value, ... list RESP2 gives, which is what the store reads.
 * - Errors come back in Redis's own words: GLIDE's "An error was signalled by the server: -
 *   ResponseError: ..." is Redis's "ERR ...", "WRONGTYPE: ..." is "WRONGTYPE ...".
 * - Deadlines: the store's `timeout` is a call's deadline; GLIDE's `requestTimeout` (250 ms
 *   by default) bounds each command beneath it, so the shorter of the two wins. A command
 *   past GLIDE's is reported as sent (it may still run on the server).
 * - Readiness: a GLIDE client is connected when the application has it, and reconnects by
 *   itself without telling anyone: it is ready until it is closed.
 * - Expiry events (`watch()`): GLIDE configures pub/sub when a client is created, so the
 *   store opens a GlideClient of its own on each primary, with the addresses, credentials
 *   and TLS setting of the client passed in, and closes it with the watcher.
 */
import { optionalPackage } from '../optional.js'
import type { Script } from '../scripts.js'
import type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
import { keySlot } from './keyslot.js'

/** What the store uses of a GLIDE client (GlideClient or GlideClusterClient). */
export interface GlideLike {
  invokeScript(script: unknown, options: { keys: string[]; args: string[] }): Promise<unknown>
  customCommand(args: string[], options?: { route?: unknown }): Promise<unknown>
  get(key: string): Promise<unknown>
  mget(keys: string[]): Promise<unknown[]>
  exists(keys: string[]): Promise<number>
  pttl(key: string): Promise<number>
  getStatistics(): object
  close(errorMessage?: string): void
}

/** The parts of GLIDE's own client configuration (kept on the client as `config`) the store reads. */
interface GlideConfig {
  addresses?: Array<{ host?: string; port?: number }>
  useTLS?: boolean
  credentials?: unknown
  requestTimeout?: number
  databaseId?: number
  clientName?: string
  advancedConfiguration?: unknown
}

interface GlideModule {
  Script: new (source: string) => GlideScript
  GlideClient: {
    createClient(
      config: object,
    ): Promise<GlideLike & { subscribe(channels: string[], timeoutMs: number): Promise<void>; unsubscribe(channels: null, timeoutMs: number): Promise<void> }>
  }
}

interface GlideScript {
  release(): void
}

/** How often a cluster's primaries are asked for while the topology is watched. */
const TOPOLOGY_CHECK_MS = 1000
/** How long one ask for the primaries may take. */
const DISCOVERY_MS = 2000
/** A GlideClient of the store's own on a cluster node is closed once unused this long. */
const NODE_CLIENT_IDLE_MS = 5000

/** GLIDE's request timeout when a client sets none. */
const GLIDE_REQUEST_TIMEOUT = 250

/** Whether `value` is a GLIDE client: by its methods (the application's copy of GLIDE may not be the one the store would load). */
export function isGlideClient(value: object): value is GlideLike {
  const client = value as Partial<Record<keyof GlideLike, unknown>>
  return typeof client.invokeScript === 'function' && typeof client.customCommand === 'function' && typeof client.getStatistics === 'function'
}

/** GLIDE's names of server error kinds, and the code Redis puts first in the same error. */
const ERROR_CODES: Record<string, string> = {
  ResponseError: 'ERR',
  ExecAbortError: 'EXECABORT',
  BusyLoadingError: 'LOADING',
  NoScriptError: 'NOSCRIPT',
  Moved: 'MOVED',
  Ask: 'ASK',
  TryAgain: 'TRYAGAIN',
  ClusterDown: 'CLUSTERDOWN',
  CrossSlot: 'CROSSSLOT',
  MasterDown: 'MASTERDOWN',
  ReadOnly: 'READONLY',
  NotBusy: 'NOTBUSY',
}

const SIGNALLED = /^An error was signalled by the server: - (\w+): ([\s\S]*)$/
/** An error whose code GLIDE kept, with a colon after it: "WRONGTYPE: Operation ...", "OOM: command not allowed ...". */
const CODED = /^([A-Z][A-Z0-9_]*): ([\s\S]*)$/

/** A server error in Redis's own words; other errors as they are. Exported for the tests. */
export function redisWorded(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'RequestError') return error
  const signalled = SIGNALLED.exec(error.message)
  const coded = signalled ? undefined : CODED.exec(error.message)
  if (!signalled && !coded) return error
  const message = signalled ? `${ERROR_CODES[signalled[1] as string] ?? (signalled[1] as string).toUpperCase()} ${signalled[2]}` : `${coded?.[1]} ${coded?.[2]}`
  const worded = new Error(message, { cause: error })
  worded.name = 'ReplyError'
  return worded
}

/** A RESP3 map as GLIDE gives it (an array of { key, value }) as RESP2's flat list; anything else as it is. */
function flatReply(reply: unknown): unknown {
  if (!Array.isArray(reply) || reply.length === 0) return reply
  const entries = reply as Array<{ key?: unknown; value?: unknown } | null>
  if (!entries.every((entry) => entry !== null && typeof entry === 'object' && !Array.isArray(entry) && 'key' in entry && 'value' in entry)) return reply
  return entries.flatMap((entry) => [entry?.key, flatReply(entry?.value)])
}

const strings = (args: readonly Arg[]) => args.map(String)

class GlideAdapter implements RedisClient {
  readonly isCluster: boolean
  readonly #glide: GlideModule
  /** The GLIDE scripts made on this client so far. */
  readonly #scripts = new Map<Script, GlideScript>()

  constructor(
    readonly native: GlideLike,
    glide: GlideModule,
  ) {
    this.#glide = glide
    this.isCluster = typeof (native as { invokeScriptWithRoute?: unknown }).invokeScriptWithRoute === 'function'
  }

  /** GLIDE's own configuration of the client (private to GLIDE's types, kept on the client). */
  get #config(): GlideConfig {
    return ((this.native as unknown as { config?: GlideConfig }).config ?? {}) as GlideConfig
  }

  #closed(): boolean {
    return (this.native as unknown as { isClosed?: boolean }).isClosed === true
  }

  address(): string {
    const seeds = (this.#config.addresses ?? []).map((a) => `${a.host ?? 'localhost'}:${a.port ?? 6379}`).join(',')
    return this.isCluster ? `the cluster at ${seeds || 'its seed nodes'}` : seeds || 'localhost:6379'
  }

  state(): string {
    return this.#closed() ? 'closed' : 'ready'
  }

  ready(): boolean {
    return !this.#closed() && (!this.isCluster || this.#primaries.length > 0)
  }

  /** Resolves at once, or (a cluster, the first time) once its primaries are known: masters() answers from them. */
  whenReady(): Promise<void> {
    if (this.#closed()) return Promise.reject(new Error('the GLIDE client is closed (nothing was sent)'))
    if (!this.isCluster || this.#primaries.length > 0) return Promise.resolve()
    return this.#discover()
  }

  readyCount(): number {
    // GLIDE reconnects without telling: one readiness for the client's life.
    return 1
  }

  /** Listeners of topology changes, and the timer that asks the cluster for its primaries while there are some. */
  readonly #topologyListeners = new Set<() => void>()
  #topologyTimer: NodeJS.Timeout | undefined

  /**
   * GLIDE follows a cluster's topology itself (MOVED, periodic checks) and tells nobody: while
   * someone listens (the expiry watcher), the store asks the cluster for its primaries once a
   * second and calls the listeners when they changed (a failover, a node added or removed).
   */
  onTopologyChange(listener: () => void): () => void {
    if (!this.isCluster) return () => undefined
    this.#topologyListeners.add(listener)
    this.#topologyTimer ??= setInterval(() => {
      this.#discover().catch(() => undefined) // asked again in a second
    }, TOPOLOGY_CHECK_MS).unref()
    return () => {
      this.#topologyListeners.delete(listener)
      if (this.#topologyListeners.size === 0) {
        clearInterval(this.#topologyTimer)
        this.#topologyTimer = undefined
      }
    }
  }

  #primaryIds(): string {
    return this.#primaries
      .map(({ host, port }) => `${host}:${port}`)
      .sort()
      .join(',')
  }

  readsReplicas(): boolean {
    // invokeScript sends EVALSHA, which GLIDE always routes to a primary.
    return false
  }

  script(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    let made = this.#scripts.get(script)
    if (!made) {
      made = new this.#glide.Script(script.source)
      this.#scripts.set(script, made)
    }
    return this.native.invokeScript(made, { keys: keys as string[], args: strings(args) }).then(undefined, throwWorded)
  }

  get(key: string): Promise<string | null> {
    return this.native.get(key).then(textOrNull, throwWorded)
  }

  mget(keys: readonly string[]): Promise<Array<string | null>> {
    return this.native.mget(keys as string[]).then((values) => values.map(textOrNull), throwWorded)
  }

  exists(key: string): Promise<number> {
    return this.native.exists([key]).then(undefined, throwWorded)
  }

  pttl(key: string): Promise<number> {
    return this.native.pttl(key).then(undefined, throwWorded)
  }

  command(name: string, ...args: Arg[]): Promise<unknown> {
    return this.native.customCommand([name, ...strings(args)]).then(flatReply, throwWorded)
  }

  async replicated(key: string, replicas: number, timeout: number): Promise<number> {
    const route = this.isCluster ? { route: { type: 'primarySlotKey', key } } : undefined
    const reply = this.native.customCommand(['WAIT', String(replicas), String(timeout)], route)
    return (await reply.then(undefined, (error: unknown) => {
      // GLIDE gives a blocking command a deadline of its own (WAIT: its timeout + 0.5 s from when it is sent), not requestTimeout.
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new Error(
          `WAIT got no answer within the deadline GLIDE gives it (its timeout, ${timeout} ms, plus 0.5 s from when it was sent): the write is applied on the master; whether replicas have it is not known`,
          {
            cause: error,
          },
        )
      }
      return throwWorded(error)
    })) as number
  }

  connectionOf(key: string): string {
    if (!this.isCluster) return ''
    // GLIDE keeps its slot table to itself: the primary CLUSTER NODES last named for the slot, else the slot itself.
    const slot = keySlot(key)
    return this.#slotOwners[slot] ?? `slot ${slot}`
  }

  masters(): ClientNode[] {
    if (!this.isCluster) {
      const [seed] = this.#config.addresses ?? []
      return [this.#node(seed?.host ?? 'localhost', seed?.port ?? 6379, false)]
    }
    return this.#primaries.map(({ host, port }) => this.#node(host, port, true))
  }

  /** The cluster's primaries as it last said (CLUSTER NODES): asked before the first call, and again after a call got no answer. */
  #primaries: Primary[] = []
  /** Each slot's primary ('host:port'), from the same reply. */
  #slotOwners: string[] = []
  #discovering: Promise<void> | undefined

  #discover(): Promise<void> {
    if (this.#discovering) return this.#discovering
    // A random node may be a dead one, whose request waits for GLIDE's requestTimeout: given
    // up on after DISCOVERY_MS, so the next check (another random node) is not held behind it.
    const asked = this.native.customCommand(['CLUSTER', 'NODES'], { route: 'randomNode' })
    asked.catch(() => undefined)
    let timer: NodeJS.Timeout | undefined
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`CLUSTER NODES got no answer within ${DISCOVERY_MS} ms`)), DISCOVERY_MS)
    })
    this.#discovering = Promise.race([asked, givenUp])
      .then((nodes) => {
        const primaries = primariesOf(String(nodes))
        if (primaries.length === 0) throw new Error(`the cluster at ${this.address()} lists no primary (CLUSTER NODES)`)
        const before = this.#primaryIds()
        this.#primaries = primaries
        const owners = new Array<string>(16384)
        for (const { host, port, slots } of primaries) for (const [first, last] of slots) owners.fill(`${host}:${port}`, first, last + 1)
        this.#slotOwners = owners
        if (before !== '' && this.#primaryIds() !== before) for (const listening of [...this.#topologyListeners]) listening()
      }, throwWorded)
      .finally(() => {
        clearTimeout(timer)
        this.#discovering = undefined
      })
    return this.#discovering
  }

  /**
   * A node: the one server through the client itself; a cluster's primary through a GlideClient
   * of the store's own on it (GLIDE routes by address only to nodes its own view has met, and a
   * just-promoted primary may not be among them yet).
   */
  #node(host: string, port: number, ofCluster: boolean): ClientNode {
    const command = (args: string[]) => (ofCluster ? this.#onNode(host, port, args) : this.native.customCommand(args))
    return {
      id: `${host}:${port}`,
      db: this.#config.databaseId ?? 0,
      live: () => true,
      command: (name, ...args) => command([name, ...strings(args)]).then(flatReply, throwWorded),
      subscriber: (onMessage) => this.#subscriber(host, port, onMessage),
    }
  }

  /**
   * The store's own GlideClients on a cluster's nodes, for their node-wide commands: each is
   * closed once idle for NODE_CLIENT_IDLE_MS (they are asked seldom: the eviction policy,
   * verify()), and by release(). A store the app never closes so keeps no process
   * alive after the app has closed its own client.
   */
  readonly #nodeClients = new Map<string, NodeClient>()
  /** release() was called: the store is done with the client. */
  #released = false

  async #onNode(host: string, port: number, args: string[]): Promise<unknown> {
    // A check the store began before close() (its eviction policy, say) must not leave a client open after it.
    if (this.#released) throw new Error('the store is closed: it opens no client on a node after close()')
    const id = `${host}:${port}`
    let used = this.#nodeClients.get(id)
    if (!used) {
      const made: NodeClient = { client: this.#glide.GlideClient.createClient(this.#ownConfig(host, port)), users: 0 }
      made.client.catch(() => this.#nodeClients.get(id) === made && this.#nodeClients.delete(id)) // asked again next time
      this.#nodeClients.set(id, made)
      used = made
    }
    used.users++
    clearTimeout(used.idle)
    try {
      return await (await used.client).customCommand(args)
    } finally {
      if (--used.users === 0 && this.#nodeClients.get(id) === used) {
        used.idle = setTimeout(() => {
          if (this.#nodeClients.get(id) === used) this.#nodeClients.delete(id)
          closeWhenMade(used.client)
        }, NODE_CLIENT_IDLE_MS)
        used.idle.unref()
      }
    }
  }

  /** A GlideClient of the store's own on one node: the app's client's credentials, TLS and database. */
  #ownConfig(host: string, port: number): object {
    const { useTLS, credentials, databaseId } = this.#config
    return {
      addresses: [{ host, port }],
      ...(useTLS === undefined ? {} : { useTLS }),
      ...(credentials === undefined ? {} : { credentials }),
      ...(databaseId === undefined ? {} : { databaseId }),
      requestTimeout: Math.max(this.#config.requestTimeout ?? GLIDE_REQUEST_TIMEOUT, 5000),
    }
  }

  /** A GlideClient of the store's own on one node, for pub/sub (GLIDE sets pub/sub up when a client is created). */
  #subscriber(host: string, port: number, onMessage: (channel: string, message: string) => void): Subscriber {
    const connecting = this.#glide.GlideClient.createClient({
      ...this.#ownConfig(host, port),
      pubsubSubscriptions: {
        channelsAndPatterns: {},
        callback: (message: { channel: unknown; message: unknown }) => onMessage(String(message.channel), String(message.message)),
      },
    })
    connecting.catch(() => undefined)
    // GLIDE's close() lets the server drop the connection seconds later: unsubscribing first ends the subscription at once.
    const close = async (politely: boolean) => {
      const connection = await connecting.catch(() => undefined)
      if (politely) await connection?.unsubscribe(null, 1000).catch(() => undefined)
      connection?.close()
    }
    return {
      subscribe: async (...channels) => {
        const connection = await connecting.catch((error: unknown) => Promise.reject(redisWorded(error)))
        await connection.subscribe(channels, 5000).then(undefined, throwWorded)
      },
      close: () => close(true),
      drop: () => void close(false),
    }
  }

  coalesce(): void {
    // GLIDE's core writes the requests of a turn together itself.
  }

  stalled(): void {
    // GLIDE finds a failed-over primary itself; the store's own list of primaries (watch, verify) is asked anew.
    if (this.isCluster) this.#discover().catch(() => undefined)
  }

  isReplyError(error: unknown): boolean {
    return error instanceof Error && error.name === 'ReplyError'
  }

  afterSending(error: unknown): unknown {
    if (!(error instanceof Error)) return error
    if (error.name === 'TimeoutError') {
      const ms = this.#config.requestTimeout ?? GLIDE_REQUEST_TIMEOUT
      return new Error(
        `no answer within the GLIDE client's requestTimeout (${ms} ms); the command was sent and may still be applied (give the GLIDE client a requestTimeout of at least the store's timeout)`,
        { cause: error },
      )
    }
    if (error.name === 'ConnectionError') return new Error(`${error.message}: the connection was lost; the command was sent and may still be applied`, { cause: error })
    return error
  }

  close(): Promise<void> {
    this.disconnect()
    return Promise.resolve()
  }

  disconnect(): void {
    this.release()
    this.native.close()
  }

  /** The store is done with the client: the GLIDE scripts it made are released (the client stays the application's). */
  release(): void {
    this.#released = true
    for (const { client, idle } of this.#nodeClients.values()) {
      clearTimeout(idle)
      closeWhenMade(client)
    }
    this.#nodeClients.clear()
    clearInterval(this.#topologyTimer)
    this.#topologyTimer = undefined
    this.#topologyListeners.clear()
    for (const made of this.#scripts.values()) made.release()
    this.#scripts.clear()
  }
}

/** A GlideClient of the store's own on a cluster node: how many calls use it now, and the timer that closes it when idle. */
interface NodeClient {
  client: Promise<GlideLike>
  users: number
  idle?: NodeJS.Timeout
}

function closeWhenMade(client: Promise<GlideLike>): void {
  client.then(
    (made) => made.close(),
    () => undefined,
  )
}

function throwWorded(error: unknown): never {
  throw redisWorded(error)
}

/** GLIDE answers a string value as a string (its default decoder); anything else a string too, as the other clients answer. */
function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** A primary of a cluster: its address, and the slot ranges it serves ([first, last], inclusive). */
interface Primary {
  host: string
  port: number
  slots: Array<[number, number]>
}

/** The primaries of a CLUSTER NODES reply that are not failed, with their slots. */
export function primariesOf(nodes: string): Primary[] {
  const primaries: Primary[] = []
  for (const line of nodes.split('\n')) {
    const [, address, flags, , , , , , ...ranges] = line.trim().split(' ')
    if (!address || !flags) continue
    const roles = flags.split(',')
    if (!roles.includes('master') || roles.includes('fail') || roles.includes('noaddr')) continue
    const hostPort = address.split('@')[0] as string
    const colon = hostPort.lastIndexOf(':')
    // A range is 'first-last' or one slot; '[slot->-node]' and '[slot-<-node]' are slots moving, not served yet.
    const slots = ranges
      .filter((range) => !range.startsWith('['))
      .map((range): [number, number] => {
        const [first, last = first] = range.split('-').map(Number) as [number, number?]
        return [first, last as number]
      })
    primaries.push({ host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)), slots })
  }
  return primaries
}

/** The GLIDE adapter of a client passed in; GLIDE itself must be loadable from the store (its Script class). */
export function glideAdapter(native: GlideLike): GlideAdapter {
  const glide = optionalPackage<GlideModule>('@valkey/valkey-glide')
  if (!glide) throw new TypeError('options.redis is a Valkey GLIDE client, but @valkey/valkey-glide cannot be loaded from redis-prefix-cache: install it beside it')
  const base = (glide as unknown as { BaseClient?: new (...args: never[]) => unknown }).BaseClient
  if (base && !(native instanceof base)) {
    throw new TypeError(
      'options.redis is a Valkey GLIDE client from another copy of @valkey/valkey-glide than the one redis-prefix-cache loads: scripts made by one copy are unknown to the other; keep one copy (npm dedupe)',
    )
  }
  return new GlideAdapter(native, glide)
}

export type { GlideAdapter }
