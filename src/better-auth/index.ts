/**
 * redis-prefix-cache/better-auth: a `secondaryStorage` for better-auth (1.7) whose session
 * lists cannot lose a sign-in or bring back a revoked session.
 *
 * better-auth keeps each session at its token as JSON `{ session, user }`, and each user's
 * list at `active-sessions-<userId>` as a JSON array `[{ token, expiresAt }]` that it rewrites
 * by read-modify-write: under concurrency that list loses entries (better-auth #11022), and a
 * request that read a session before its revocation writes it back after (#11073). This
 * storage keeps the sessions in a RedisSessionStore (redis-prefix-cache/session): a session's
 * record and its member in its user's set are written by one script, a deleted session
 * leaves a tombstone that refuses a late write of its token, and `active-sessions-<userId>`
 * is read from the user's set, never stored as text. Everything else better-auth stores
 * (verification values, `revoked-sessions-before-` markers, rate-limit counters) is a plain
 * record of the same namespace.
 */
import { checkOptions } from '../checks.js'
import { type IntegrationStoreOptions, integrationStore } from '../integration.js'
import type { RedisCache } from '../store.js'
import { superjsonSerializer } from '../values.js'
import { RedisSessionStore, type SessionData } from '../session/index.js'

/** better-auth's SecondaryStorage (`@better-auth/core`, db/type), as this storage implements it. */
export interface BetterAuthSecondaryStorage {
  get(key: string): Promise<string | null>
  /** ttl in seconds; none: the value never expires. */
  set(key: string, value: string, ttl?: number): Promise<void>
  delete(key: string): Promise<void>
  /** Reads and removes a value in one step: of callers racing, one gets it. */
  getAndDelete(key: string): Promise<string | null>
  /** The new count; the ttl (seconds) is given when the counter is created and never extended. */
  increment(key: string, ttl?: number): Promise<number>
}

export interface BetterAuthStorage extends BetterAuthSecondaryStorage {
  /** The store of every plain value (verification values, markers, counters). */
  readonly cache: RedisCache
  /** The store of the sessions: `sessionsOf(userId)`, `revokeUser(userId)` work on it too. */
  readonly sessions: RedisSessionStore
  /** Closes the connection the storage made (not a client or cache you passed). */
  close(): Promise<void>
}

/** Where the records go: a `redis` connection and `namespace` (default 'auth'), or a `cache` to share. */
export type BetterAuthStorageOptions = Omit<IntegrationStoreOptions, 'buckets' | 'bucketBy'> & {
  /**
   * The most sessions a user may have: a sign-in past it revokes the user's sessions signed
   * in first (their tokens refused from then on), in the sign-in's own write. The storage's
   * `sessions` emits 'revoked' with them.
   */
  maxSessionsPerUser?: number
}

const OPTIONS = ['redis', 'redisOptions', 'cache', 'namespace', 'timeout', 'eviction', 'durability', 'maxSessionsPerUser'] as const

/** Keys better-auth 1.7 writes as plain values. */
const PLAIN = ['revoked-sessions-before-', 'verification:'] as const
const LIST = 'active-sessions-'

/** A session as the session store is handed it: better-auth's text, its user, its ttl. */
interface Held extends SessionData {
  text: string
  userId: string
  ms: number
}

/** The user and expiry of a value better-auth writes at a session's token; undefined for anything else. */
function sessionOf(key: string, value: string): { userId: string; expiresAt: number } | undefined {
  if (!value.startsWith('{"session":')) return undefined
  try {
    const parsed = JSON.parse(value) as { session?: { token?: unknown; userId?: unknown; expiresAt?: unknown } }
    const session = parsed.session
    if (session?.token !== key || typeof session.userId !== 'string' || session.userId === '') return undefined
    const expiresAt = new Date(session.expiresAt as string).getTime()
    return { userId: session.userId, expiresAt: Number.isNaN(expiresAt) ? Infinity : expiresAt }
  } catch {
    return undefined
  }
}

const isPlain = (key: string) => PLAIN.some((prefix) => key.startsWith(prefix))

/** The family of a key, for a warning: its text up to its first ':' (else '-'), never a whole token. */
function familyOf(key: string): string {
  const colon = key.indexOf(':')
  const at = colon > 0 ? colon : key.indexOf('-')
  return at > 0 && at < 40 ? `'${key.slice(0, at + 1)}...'` : `a key of ${key.length} characters`
}

function checkKey(key: unknown, name = 'key'): string {
  if (typeof key !== 'string' || key === '') throw new TypeError(`${name} must be a non-empty string, got ${key === '' ? 'an empty string' : typeof key}`)
  return key
}

function checkSeconds(ttl: unknown): number {
  if (ttl === undefined || ttl === null || ttl === 0) return Infinity
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) throw new RangeError(`ttl must be a number of seconds, got ${String(ttl)}`)
  return Math.max(1, Math.round(ttl * 1000))
}

/**
 * A better-auth `secondaryStorage` on Redis: `betterAuthStorage({ redis, namespace: 'auth' })`
 * or `{ cache }` to share a RedisCache's client and namespace.
 */
export function betterAuthStorage(options: BetterAuthStorageOptions = {}): BetterAuthStorage {
  checkOptions(options, OPTIONS)
  const { maxSessionsPerUser, ...storeOptions } = options
  const cache = integrationStore(storeOptions, { namespace: 'auth', serializer: superjsonSerializer, bucketBy: 1 })
  const sessions = new RedisSessionStore({
    cache,
    userOf: (held) => (held as Held).userId,
    ttl: (held) => (held as Held).ms,
    // better-auth gives each write its ttl: no sliding expiry, no interval.
    disableTouch: true,
    touchAfter: 0,
    serializer: { stringify: (held) => (held as Held).text, parse: (text) => text as unknown as SessionData },
    ...(maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser }),
  })
  const warned = new Set<string>()
  const unknownKey = (key: string) => {
    const family = familyOf(key)
    if (warned.has(family)) return
    warned.add(family)
    process.emitWarning(`better-auth storage: ${family} is not a key better-auth 1.7 writes; it is stored as a plain value (a later better-auth version or a plugin?)`, {
      type: 'RedisPrefixCacheWarning',
      code: 'REDIS_PREFIX_CACHE_BETTER_AUTH_KEY',
    })
  }
  const plain = (key: string) => ['kv', key]
  const text = (value: unknown): string | null => (value === undefined ? null : typeof value === 'number' ? String(value) : (value as string))

  async function list(userId: string): Promise<string | null> {
    const entries = (await sessions.sessionsOf(userId)).map(({ id, session }) => ({ token: id, expiresAt: sessionOf(id, session as unknown as string)?.expiresAt ?? Infinity }))
    if (entries.length === 0) return null
    entries.sort((a, b) => a.expiresAt - b.expiresAt)
    return JSON.stringify(entries)
  }

  return {
    cache,
    sessions,
    async get(key) {
      checkKey(key)
      if (key.startsWith(LIST)) return list(key.slice(LIST.length))
      if (isPlain(key)) return text(await cache.get(plain(key)))
      const session = (await sessions.get(key)) as unknown as string | null
      return session ?? text(await cache.get(plain(key)))
    },
    async set(key, value, ttl) {
      checkKey(key)
      if (typeof value !== 'string') throw new TypeError(`value must be a string, got ${typeof value}`)
      const ms = checkSeconds(ttl)
      // The list is the user's set of sessions, kept by each session's own writes: better-auth's rewrite of it is the race this storage closes.
      if (key.startsWith(LIST)) return
      const session = isPlain(key) ? undefined : sessionOf(key, value)
      if (session) {
        const held: Held = { text: value, userId: session.userId, ms }
        await sessions.set(key, held) // refused, silently, once the session was deleted: its tombstone
        return
      }
      if (!isPlain(key)) unknownKey(key)
      await cache.put(plain(key), value, { ttl: ms })
    },
    async delete(key) {
      checkKey(key)
      if (key.startsWith(LIST)) return
      if (isPlain(key)) {
        await cache.delete(plain(key))
        return
      }
      await Promise.all([sessions.destroy(key), cache.delete(plain(key))])
    },
    async getAndDelete(key) {
      checkKey(key)
      if (key.startsWith(LIST)) return null
      const taken = text(await cache.take(plain(key)))
      if (taken !== null || isPlain(key)) return taken
      // A session's token (better-auth never takes one): read, then removed with its tombstone.
      const session = (await sessions.get(key)) as unknown as string | null
      if (session !== null) await sessions.destroy(key)
      return session
    },
    async increment(key, ttl) {
      checkKey(key)
      return cache.increment(plain(key), { ttl: checkSeconds(ttl) })
    },
    async close() {
      await sessions.close()
      await cache.close()
    },
  }
}
