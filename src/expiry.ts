/**
 * Expiry events: Redis keyspace notifications for expired and evicted keys, turned into the
 * store's 'expired' and 'evicted' events with the record's decoded key, for this namespace's
 * records only (never its index keys, never another namespace's keys).
 *
 * Notifications are per node: on a cluster the watcher subscribes on every master, and
 * follows failovers and topology changes (ioredis's 'refresh', '+node' and '-node'). Redis
 * sends them only when `notify-keyspace-events` allows: the watcher checks, and either says
 * the exact CONFIG SET line to run or (configureNotifications) sets it.
 *
 * Limits, from Redis: an event fires when Redis actually removes the key (lazily when it is
 * read, or by its active expiry cycle), which can be later than its ttl; and pub/sub is at
 * most once: events while a subscriber is disconnected are lost.
 */
import type { Cluster, Redis } from 'ioredis'
import type { BucketLayout } from './buckets.js'
import { masters } from './eviction.js'
import { keyFromParts, type Key } from './keys.js'
import { decodePart } from './parts.js'
import type { Client } from './scripts.js'

export type ExpiryEvent = 'expired' | 'evicted'

export interface WatchOptions {
  /** Set notify-keyspace-events on each master when it lacks what the events need (adds 'Exe' to what is there). Default false. */
  configureNotifications?: boolean
}

/** The flags notify-keyspace-events needs for expired and evicted events ('A' includes x and e). */
function missingFlags(flags: string): string {
  let missing = flags.includes('E') ? '' : 'E'
  if (!flags.includes('A')) {
    if (!flags.includes('x')) missing += 'x'
    if (!flags.includes('e')) missing += 'e'
  }
  return missing
}

export class NotificationsOffError extends Error {
  override name = 'NotificationsOffError'
}

export class ExpiryWatcher {
  readonly #client: Client
  readonly #layout: BucketLayout
  readonly #emit: (event: ExpiryEvent, key: Key) => void
  readonly #onError: (error: Error) => void
  readonly #configure: boolean
  /** One subscriber per master, by host:port. */
  readonly #subscribers = new Map<string, Redis>()
  readonly #resync = () => {
    this.#sync().catch((error: Error) => this.#onError(error))
  }
  #closed = false

  constructor(client: Client, layout: BucketLayout, options: WatchOptions, emit: (event: ExpiryEvent, key: Key) => void, onError: (error: Error) => void) {
    this.#client = client
    this.#layout = layout
    this.#configure = options.configureNotifications === true
    this.#emit = emit
    this.#onError = onError
  }

  /** Subscribes on every master; rejects when notifications are off and may not be turned on. */
  async start(): Promise<void> {
    await this.#sync()
    if ((this.#client as Cluster).isCluster) {
      for (const event of ['refresh', '+node', '-node'] as const) this.#client.on(event, this.#resync)
    }
  }

  async stop(): Promise<void> {
    this.#closed = true
    for (const event of ['refresh', '+node', '-node'] as const) this.#client.off(event, this.#resync)
    const subscribers = [...this.#subscribers.values()]
    this.#subscribers.clear()
    await Promise.all(subscribers.map((subscriber) => subscriber.quit().catch(() => subscriber.disconnect())))
  }

  /** Subscribes on masters that have none yet; drops subscribers of nodes that are no longer masters. */
  async #sync(): Promise<void> {
    const nodes = masters(this.#client)
    const current = new Set<string>()
    for (const node of nodes) {
      const id = `${node.options.host}:${node.options.port}`
      current.add(id)
      if (this.#subscribers.has(id)) continue
      await this.#checkNotifications(node, id)
      if (this.#closed || this.#subscribers.has(id)) continue
      const subscriber = node.duplicate({ lazyConnect: false })
      subscriber.on('error', () => undefined) // it reconnects by itself; events meanwhile are lost (at most once)
      this.#subscribers.set(id, subscriber)
      const db = node.options.db ?? 0
      subscriber.on('message', (channel: string, key: string) => this.#message(channel, key))
      await subscriber.subscribe(`__keyevent@${db}__:expired`, `__keyevent@${db}__:evicted`)
    }
    for (const [id, subscriber] of this.#subscribers) {
      if (current.has(id)) continue
      this.#subscribers.delete(id)
      subscriber.disconnect()
    }
  }

  async #checkNotifications(node: Redis, id: string): Promise<void> {
    const [, flags = ''] = (await node.config('GET', 'notify-keyspace-events')) as string[]
    const missing = missingFlags(flags)
    if (missing === '') return
    const wanted = flags + missing
    if (this.#configure) {
      await node.config('SET', 'notify-keyspace-events', wanted)
      return
    }
    throw new NotificationsOffError(
      `Redis at ${id} does not send the keyspace notifications that expiry events need (notify-keyspace-events is '${flags}'). ` +
        `Run CONFIG SET notify-keyspace-events ${wanted} on it (and on every master of a cluster), or watch({ configureNotifications: true }) to let the store set it.`,
    )
  }

  #message(channel: string, key: string): void {
    const event: ExpiryEvent = channel.endsWith(':expired') ? 'expired' : 'evicted'
    const decoded = this.#decode(key)
    if (decoded !== undefined) this.#emit(event, decoded)
  }

  /** The record's key, or undefined for an index key or a key of another namespace. */
  #decode(key: string): Key | undefined {
    if (key.endsWith(':#') || key.endsWith('}:#')) return undefined
    const end = key.indexOf('}:')
    if (end === -1 || !this.#layout.ownsTag(key.slice(0, end + 2))) return undefined
    try {
      return keyFromParts(
        key
          .slice(end + 2)
          .split(':')
          .map(decodePart),
      )
    } catch {
      return undefined
    }
  }
}
