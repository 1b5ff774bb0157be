/**
 * Expiry events: Redis keyspace notifications for expired and evicted keys, turned into the
 * store's 'expired' and 'evicted' events with the record's decoded key, for this namespace's
 * records only (never its index keys, never another namespace's keys).
 *
 * Notifications are per node: on a cluster the watcher subscribes on every master, and
 * follows failovers and topology changes (the client's onTopologyChange). Redis
 * sends them only when `notify-keyspace-events` allows: the watcher checks, and either says
 * the exact CONFIG SET line to run or (configureNotifications) sets it.
 *
 * Limits, from Redis: an event fires when Redis actually removes the key (lazily when it is
 * read, or by its active expiry cycle), which can be later than its ttl; and pub/sub is at
 * most once: events while a subscriber is disconnected are lost.
 */
import type { BucketLayout } from './buckets.js'
import type { ClientNode, RedisClient, Subscriber } from './client/index.js'
import { keyFromParts, type Key } from './keys.js'
import { checkBoolean, checkOptions } from './options.js'
import { decodePart } from './parts.js'

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

export function checkWatchOptions(options: WatchOptions): void {
  checkOptions(options, ['configureNotifications'])
  checkBoolean(options.configureNotifications, 'options.configureNotifications')
}

export class NotificationsOffError extends Error {
  override name = 'NotificationsOffError'
}

export class ExpiryWatcher {
  readonly #client: RedisClient
  readonly #layout: BucketLayout
  readonly #emit: (event: ExpiryEvent, key: Key) => void
  readonly #onError: (error: Error) => void
  readonly #configure: boolean
  /** One subscriber per master, by host:port. */
  readonly #subscribers = new Map<string, Subscriber>()
  #stopFollowing: (() => void) | undefined
  readonly #resync = () => {
    this.#sync().catch((error: Error) => this.#onError(error))
  }
  #closed = false

  constructor(client: RedisClient, layout: BucketLayout, options: WatchOptions, emit: (event: ExpiryEvent, key: Key) => void, onError: (error: Error) => void) {
    this.#client = client
    this.#layout = layout
    this.#configure = options.configureNotifications === true
    this.#emit = emit
    this.#onError = onError
  }

  /** Subscribes on every master; rejects when notifications are off and may not be turned on. */
  async start(): Promise<void> {
    await this.#sync()
    this.#stopFollowing = this.#client.onTopologyChange(this.#resync)
  }

  async stop(): Promise<void> {
    this.#closed = true
    this.#stopFollowing?.()
    const subscribers = [...this.#subscribers.values()]
    this.#subscribers.clear()
    await Promise.all(subscribers.map((subscriber) => subscriber.close()))
  }

  /** Subscribes on masters that have none yet; drops subscribers of nodes that are no longer masters. */
  async #sync(): Promise<void> {
    const current = new Set<string>()
    for (const node of this.#client.masters()) {
      const id = node.id
      current.add(id)
      if (this.#subscribers.has(id)) continue
      await this.#checkNotifications(node, id)
      if (this.#closed || this.#subscribers.has(id)) continue
      // It reconnects (and subscribes again) by itself; events meanwhile are lost (at most once).
      const subscriber = node.subscriber((channel, key) => this.#message(channel, key))
      this.#subscribers.set(id, subscriber)
      await subscriber.subscribe(`__keyevent@${node.db}__:expired`, `__keyevent@${node.db}__:evicted`)
    }
    for (const [id, subscriber] of this.#subscribers) {
      if (current.has(id)) continue
      this.#subscribers.delete(id)
      subscriber.drop()
    }
  }

  async #checkNotifications(node: ClientNode, id: string): Promise<void> {
    const [, flags = ''] = (await node.command('CONFIG', 'GET', 'notify-keyspace-events')) as string[]
    const missing = missingFlags(flags)
    if (missing === '') return
    const wanted = flags + missing
    if (this.#configure) {
      await node.command('CONFIG', 'SET', 'notify-keyspace-events', wanted)
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
