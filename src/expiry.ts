/**
 * Expiry events: Redis keyspace notifications for expired and evicted keys, turned into the
 * store's 'expired' and 'evicted' events with the record's decoded key, for this namespace's
 * records only (never its index keys, never another namespace's keys).
 *
 * Notifications are per node: on a cluster the watcher subscribes on every master, and
 * follows failovers and topology changes (the client's onTopologyChange). Redis
 * sends them only when `notify-keyspace-events` allows: the watcher checks, and either says
 * the exact CONFIG SET line to run or (configureNotifications) sets it. `Ex` (expired only)
 * is enough for expired events; evicted ones need `e` too, which is said once, not refused.
 *
 * Limits, from Redis: an event fires when Redis actually removes the key (lazily when it is
 * read, or by its active expiry cycle), which can be later than its ttl; and pub/sub is at
 * most once: events while a subscriber is disconnected are lost.
 */
import type { EventEmitter } from 'node:events'
import type { BucketLayout } from './buckets.js'
import type { ClientNode, RedisClient, Subscriber } from './client/client.js'
import { keyFromParts, type Key } from './keys.js'
import { kindOfKey } from './layout.js'
import type { Calls } from './calls.js'
import { checkBoolean, checkOptions } from './checks.js'
import { decodePart } from './parts.js'

export type ExpiryEvent = 'expired' | 'evicted'

export interface WatchOptions {
  /** Set notify-keyspace-events on each master when it lacks what the events need (adds 'Exe' to what is there). Default false. */
  configureNotifications?: boolean
}

/** Which of the events a node's notify-keyspace-events lets through ('A' includes x and e). */
function arriving(flags: string): Record<ExpiryEvent, boolean> {
  const keyevents = flags.includes('E')
  const all = flags.includes('A')
  return { expired: keyevents && (all || flags.includes('x')), evicted: keyevents && (all || flags.includes('e')) }
}

/** The flags to add to `flags` so that the events `wanted` arrive. */
function missingFlags(flags: string, wanted: readonly ExpiryEvent[]): string {
  let missing = flags.includes('E') ? '' : 'E'
  if (!flags.includes('A')) {
    if (wanted.includes('expired') && !flags.includes('x')) missing += 'x'
    if (wanted.includes('evicted') && !flags.includes('e')) missing += 'e'
  }
  return missing
}

export function checkWatchOptions(options: WatchOptions): void {
  checkOptions(options, ['configureNotifications'])
  checkBoolean(options.configureNotifications, 'options.configureNotifications')
}

interface EvictedWarning {
  text: string
  onListener?: (event: string | symbol) => void
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
  /** The store: whose listeners say which events are wanted. */
  readonly #listeners: EventEmitter
  /** Set once the store has said (or will say, at the first 'evicted' listener) that evicted events cannot arrive. */
  #evictedWarning: EvictedWarning | undefined
  /** One subscriber per master, by host:port. */
  readonly #subscribers = new Map<string, Subscriber>()
  #stopFollowing: (() => void) | undefined
  readonly #resync = () => {
    this.#sync().catch((error: Error) => this.#onError(error))
  }
  #closed = false

  constructor(
    client: RedisClient,
    layout: BucketLayout,
    options: WatchOptions,
    emit: (event: ExpiryEvent, key: Key) => void,
    onError: (error: Error) => void,
    listeners: EventEmitter,
  ) {
    this.#client = client
    this.#listeners = listeners
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
    const onListener = this.#evictedWarning?.onListener
    if (onListener) this.#listeners.off('newListener', onListener)
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

  /**
   * Checks that what the caller listens for can arrive from this node. 'expired' alone is
   * the setting most guides give (`Ex`): then 'evicted' cannot come, which is said once (a
   * warning with the line to run) rather than refused. Rejects only when none of the events
   * listened for (both, before any listener) can arrive.
   */
  async #checkNotifications(node: ClientNode, id: string): Promise<void> {
    const [, flags = ''] = (await node.command('CONFIG', 'GET', 'notify-keyspace-events')) as string[]
    const all: ExpiryEvent[] = ['expired', 'evicted']
    const missing = missingFlags(flags, all)
    if (missing === '') return
    if (this.#configure) {
      await node.command('CONFIG', 'SET', 'notify-keyspace-events', flags + missing)
      return
    }
    const listened = all.filter((event) => this.#listeners.listenerCount(event) > 0)
    const wanted = listened.length > 0 ? listened : all
    const comes = arriving(flags)
    const line = (events: readonly ExpiryEvent[]) => `CONFIG SET notify-keyspace-events ${flags + missingFlags(flags, events)}`
    if (!wanted.some((event) => comes[event])) {
      throw new NotificationsOffError(
        `Redis at ${id} does not send the keyspace notifications that ${wanted.map((event) => `'${event}'`).join(' and ')} events need (notify-keyspace-events is '${flags}'). ` +
          `Run ${line(wanted)} on it (and on every master of a cluster), or watch({ configureNotifications: true }) to let the store set it.`,
      )
    }
    if (!comes.evicted)
      this.#warnEvicted(`Redis at ${id} sends expired events but not evicted ones (notify-keyspace-events is '${flags}'): run ${line(all)} on it for 'evicted' events`)
  }

  /** Says once, now if someone listens for 'evicted', else when the first such listener is added. */
  #warnEvicted(text: string): void {
    if (this.#evictedWarning) return
    const warning: EvictedWarning = { text }
    this.#evictedWarning = warning
    const say = () => {
      process.emitWarning(text, { type: 'RedisPrefixCacheWarning', code: 'REDIS_PREFIX_CACHE_NO_EVICTED_EVENTS' })
    }
    if (this.#listeners.listenerCount('evicted') > 0) {
      say()
      return
    }
    warning.onListener = (event) => {
      if (event !== 'evicted') return
      this.#listeners.off('newListener', warning.onListener as () => void)
      say()
    }
    this.#listeners.on('newListener', warning.onListener)
  }

  #message(channel: string, key: string): void {
    const event: ExpiryEvent = channel.endsWith(':expired') ? 'expired' : 'evicted'
    const decoded = this.#decode(key)
    if (decoded !== undefined) this.#emit(event, decoded)
  }

  /** The record's key, or undefined for an index, an integration's set or a key of another namespace. */
  #decode(key: string): Key | undefined {
    if (kindOfKey(key) !== 'value') return undefined
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

/** Starts a watcher as the store's call 'watch' (its timeout and error); one that fails to start is stopped, and the failure thrown. */
export async function startWatcher(watcher: ExpiryWatcher, calls: Calls): Promise<void> {
  try {
    await calls.call('watch', undefined, () => watcher.start())
  } catch (error) {
    await watcher.stop()
    throw error
  }
}
