/**
 * redis-prefix-cache/session: a session store for express-session and @fastify/session that
 * lists and revokes a user's sessions from a sorted set, and that a stale request cannot undo.
 *
 * Each call is one Lua script (lua/session*.lua) on the records described in records.ts:
 * the session, its member in its user's set, and a tombstone once it is destroyed or
 * revoked. Saving a session the tombstone names writes nothing, and a session that changes
 * users moves between their sets in the same script.
 *
 * With express-session installed, the store is an express-session `Store` (the middleware
 * calls its createSession, load and regenerate); without it, a plain EventEmitter, so a
 * Fastify app does not need express-session.
 */
import { EventEmitter } from 'node:events'
import { CacheDecodeError, CacheOperationError, RedisCacheError } from '../errors.js'
import type { Operation } from '../operations.js'
import { type IntegrationStoreOptions, integrationStore } from '../integration.js'
import { internals, type CacheInternals } from '../internals.js'
import { optionalPackage } from '../optional.js'
import { checkBoolean, checkInterval, checkOptions, checkTtl } from '../checks.js'
import { decodePart, encodePart, tooDeep, type KeyPart } from '../parts.js'
import { ANY, type RedisCache, REST, type Serializer } from '../index.js'
import * as scripts from './commands.js'
import './operations.js'
import { KnownExpiries, withinInterval } from './expiries.js'
import { encodeUser, readStored, SessionRecords, storedSession } from './records.js'

/** A session as the frameworks hand it over: an object, with the cookie express-session or @fastify/session keep. */
export type SessionData = Record<string, any> & {
  cookie?: { expires?: Date | string | null | undefined; originalMaxAge?: number | null | undefined }
}

/** Node-style callback of the store's methods; every method also returns a promise. */
export type Callback<T = void> = (error: any, result?: T) => void

export interface SessionSerializer {
  stringify(session: SessionData): string
  parse(text: string): SessionData | Promise<SessionData>
}

/** Where the sessions go (a `redis` connection and `namespace`, or a `cache` to share: see IntegrationStoreOptions), and how they live. */
export interface RedisSessionStoreOptions extends Omit<IntegrationStoreOptions, 'namespace' | 'bucketBy'> {
  /** The RedisCache namespace (the Redis hash tag) when no `cache` is given. Default 'sess'. A `cache` shared must have bucketBy 1: a session's records share a bucket. */
  namespace?: string
  /** ms a session lives when its cookie has no expiry, or a function of the session. Default one day. */
  ttl?: number | ((session: SessionData) => number)
  /** As connect-redis: touch() does nothing, so only set() extends a session. */
  disableTouch?: boolean
  /**
   * ms: touch() leaves a session whose expiry would move by less than this (in the spirit of
   * connect-mongo's touchAfter, which counts seconds), so most requests write nothing. Redis's
   * expiry of a session then stays within this of its cookie's. Default 1% of the session's
   * ttl, at most one minute; 0 moves the expiry on every touch.
   */
  touchAfter?: number
  /** The user a session belongs to (any key part), or undefined: indexes sessions by user. */
  userOf?: (session: SessionData) => KeyPart | undefined
  /** How sessions are written. Default JSON, as connect-redis. */
  serializer?: SessionSerializer
  /** ms a destroyed or revoked session's id stays refused at least (else until it would have expired). Default one hour. */
  tombstoneTtl?: number
  /**
   * The most sessions a user may have (needs `userOf`; one bucket). A save that signs a
   * session in to its user and leaves the user with more revokes the user's sessions signed in
   * first, with their tombstones, in the same script; the store emits 'revoked' with them.
   */
  maxSessionsPerUser?: number
}

/** What the store emits as 'revoked' when maxSessionsPerUser revoked sessions: the user, the ids revoked, and the session whose sign-in did it. */
export interface RevokedSessions {
  user: KeyPart
  ids: string[]
  by: string
  reason: 'maxSessionsPerUser'
}

/** One session of a user, as sessionsOf() lists them. */
export interface UserSession {
  id: string
  session: SessionData
}

/** The options of the constructor (RedisSessionStoreOptions), as checkOptions takes them. */
const SESSION_OPTIONS = [
  'redis',
  'redisOptions',
  'cache',
  'namespace',
  'buckets',
  'ttl',
  'disableTouch',
  'touchAfter',
  'userOf',
  'serializer',
  'tombstoneTtl',
  'maxSessionsPerUser',
  'timeout',
  'eviction',
  'durability',
] as const

const DAY = 86_400_000
const HOUR = 3_600_000
const MINUTE = 60_000
/** Index members a revokeUser() script visits at most (no script does unbounded work). */
export const REVOKE_PAGE = 1000
/** Keys a listing asks for a page. */
const LIST_COUNT = 1000

/** Stored text passes through the cache unchanged: the session store writes and reads it itself. */
const asIs: Serializer = { stringify: (value: unknown) => value as string, parse: (text: string) => text }

/** express-session's Store when it is installed (Express users need its createSession, load, regenerate). */
function baseClass(): typeof EventEmitter {
  try {
    return optionalPackage<{ Store: typeof EventEmitter }>('express-session')?.Store ?? EventEmitter
  } catch {
    return EventEmitter
  }
}

/** The cause of a read of a key that holds something this store did not write. */
function notASession(key: string): Error {
  return new Error(`${key} does not hold a session written by RedisSessionStore`)
}

function settle<T>(promise: Promise<T>, callback: Callback<T> | undefined): Promise<T> {
  if (callback === undefined) return promise
  if (typeof callback !== 'function') return Promise.reject(new TypeError('callback must be a function'))
  return promise.then(
    (result) => {
      callback(null, result)
      return result
    },
    (error: unknown) => {
      callback(error)
      return undefined as T
    },
  )
}

export class RedisSessionStore extends baseClass() {
  /** The store the sessions are kept in (its serializer passes stored text through). */
  readonly cache: RedisCache
  readonly ttl: number | ((session: SessionData) => number)
  readonly disableTouch: boolean
  /** ms, or undefined for the default (1% of a session's ttl, at most a minute): see the option. */
  readonly touchAfter: number | undefined
  readonly serializer: SessionSerializer
  readonly tombstoneTtl: number
  /** The most sessions a user may have, or undefined for no cap. */
  readonly maxSessionsPerUser: number | undefined
  readonly #userOf: ((session: SessionData) => KeyPart | undefined) | undefined
  readonly #records: SessionRecords
  readonly #internals: CacheInternals
  /** Expiries learned by get() for the touch() of the same request. */
  readonly #known = new KnownExpiries()

  // express-session's Store.prototype provides these when express-session is installed.
  declare regenerate: (req: any, callback: (error?: any) => any) => void
  declare load: (sid: string, callback: (error: any, session?: any) => any) => void
  declare createSession: (req: any, session: any) => any

  constructor(options: RedisSessionStoreOptions = {}) {
    super()
    checkOptions(options, SESSION_OPTIONS, 'options', true)
    const ttl = options.ttl ?? DAY
    if (typeof ttl !== 'function') {
      checkTtl(ttl, 'options.ttl')
      if (looksLikeSeconds(ttl)) {
        process.emitWarning(`options.ttl is ${ttl} ms (${ttl / 1000} s): ttls are milliseconds here, where connect-redis counts seconds; for ${ttl} seconds pass ${ttl * 1000}`, {
          type: 'RedisPrefixCacheWarning',
          code: 'REDIS_PREFIX_CACHE_TTL_SECONDS',
        })
      }
    }
    this.ttl = ttl
    this.disableTouch = checkBoolean(options.disableTouch, 'options.disableTouch') ?? false
    this.touchAfter = options.touchAfter === undefined ? undefined : checkInterval(options.touchAfter, 'options.touchAfter')
    if (options.userOf !== undefined && typeof options.userOf !== 'function') throw new TypeError('options.userOf must be a function')
    this.#userOf = options.userOf
    const serializer = options.serializer ?? JSON
    if (typeof serializer?.stringify !== 'function' || typeof serializer.parse !== 'function') {
      throw new TypeError('options.serializer must have stringify(session) and parse(text) methods')
    }
    this.serializer = serializer
    this.tombstoneTtl = checkTtl(options.tombstoneTtl ?? HOUR, 'options.tombstoneTtl') || Number.MAX_SAFE_INTEGER
    // A session's records share a bucket picked by their first part (a shard): bucketBy 1.
    this.cache = integrationStore(options, { namespace: 'sess', serializer: asIs, bucketBy: 1 })
    this.#internals = this.cache[internals]()
    this.#records = new SessionRecords(this.#internals.layout)
    this.maxSessionsPerUser = checkCap(options.maxSessionsPerUser, options.userOf !== undefined, this.cache.buckets)
  }

  /** The session with this id, or null (gone, destroyed, revoked or expired). */
  get(sid: string, callback?: Callback<any>): Promise<SessionData | null> {
    return settle(this.#get(sid), callback)
  }

  /** Saves a session: refused without error when it was destroyed or revoked meanwhile. */
  set(sid: string, session: SessionData, callback?: Callback<void>): Promise<void> {
    return settle(this.#set(sid, session), callback)
  }

  /** Gives a live session (and its member in its user's set) a new expiry from its cookie; nothing for one that is gone. */
  touch(sid: string, session: SessionData, callback?: Callback<void>): Promise<void> {
    return settle(this.#touch(sid, session), callback)
  }

  /** Removes a session, and keeps its id from being saved again by a request still running. */
  destroy(sid: string, callback?: Callback<void>): Promise<void> {
    return settle(this.#destroy(sid), callback)
  }

  /** Every live session, each with its `id` (as connect-redis). */
  all(callback?: Callback<any>): Promise<SessionData[]> {
    return settle(this.#all(), callback)
  }

  /** How many live sessions there are, from the index. */
  length(callback?: Callback<number>): Promise<number> {
    return settle(this.#length(), callback)
  }

  /** The ids of the live sessions. */
  ids(callback?: Callback<string[]>): Promise<string[]> {
    return settle(this.#ids(), callback)
  }

  /** Removes every session (not their tombstones), a page at a time. */
  clear(callback?: Callback<void>): Promise<void> {
    return settle(this.#clear(), callback)
  }

  /** The live sessions of a user, from its set (and its index of entry records, for sessions written before the sets). */
  async sessionsOf(user: KeyPart): Promise<UserSession[]> {
    const owner = encodeUser(user, 'user')
    const ids = new Set<string>()
    for (const shard of this.#records.shards()) {
      for (const sid of await this.#membersOf(user, this.#records.userListings(shard, owner).set)) ids.add(decodePart(sid) as string)
      for await (const [key] of this.cache.iterate([...shard, 'uid', user, ANY], { values: false, count: LIST_COUNT })) {
        ids.add((key as KeyPart[]).at(-1) as string)
      }
    }
    if (ids.size === 0) return []
    const listed = [...ids]
    const texts = (await this.cache.getMany(listed.map((sid) => this.#records.session(sid)))) as Array<string | undefined>
    const sessions: UserSession[] = []
    for (let i = 0; i < listed.length; i++) {
      const text = texts[i]
      if (text === undefined) continue
      const stored = readStored(text)
      // A session that moved to another user between the two reads is not this user's.
      if (stored !== undefined && stored.owner !== owner) continue
      const session = await this.#listed('sessionsOf', listed[i] as string, text)
      if (session) sessions.push({ id: listed[i] as string, session })
    }
    return sessions
  }

  /** The members of a user's set (encoded session ids), a ZSCAN page a call. */
  async #membersOf(user: KeyPart, set: string): Promise<string[]> {
    const { client } = this.#internals
    const members: string[] = []
    let cursor = '0'
    do {
      const [next, page] = await this.#internals.call('sessionsOf', user, () => client.command('ZSCAN', set, cursor, 'COUNT', LIST_COUNT) as Promise<[string, string[]]>)
      cursor = next
      for (let i = 0; i < page.length; i += 2) members.push(page[i] as string)
    } while (cursor !== '0')
    return members
  }

  /**
   * Revokes every session of a user, except `options.except` (the current one, say):
   * atomically for each bucket and page of up to 1,000 sessions; a request still running on
   * a revoked session cannot save it back. Resolves how many live sessions were revoked.
   */
  async revokeUser(user: KeyPart, options: { except?: string } = {}): Promise<number> {
    const owner = encodeUser(user, 'user')
    checkOptions(options, ['except'])
    const { except } = options
    if (except !== undefined && typeof except !== 'string') throw new TypeError(`options.except must be a session id (a string), got ${typeof except}`)
    const keep = except === undefined ? '' : encodePart(except, 'options.except')
    const cache = this.#internals
    let revoked = 0
    for (const shard of this.#records.shards()) {
      const listings = this.#records.userListings(shard, owner)
      const revoke = scripts.revoke(listings, owner, keep, REVOKE_PAGE, this.tombstoneTtl)
      let before = Infinity
      let stalled = 0
      for (;;) {
        const [count, left] = await cache.send('revokeUser', user, revoke)
        revoked += count
        if (left <= 0) break
        // Each page takes what it visits off the listing: a listing that does not shrink while
        // nothing is revoked would have this loop call forever.
        stalled = count === 0 && left >= before ? stalled + 1 : 0
        if (stalled === 2)
          throw new RedisCacheError('revokeUser', user, '', `two pages in a row took nothing off ${listings.set} (${left} members left): stopped, ${revoked} sessions revoked`)
        before = left
      }
    }
    return revoked
  }

  /** Closes the store's connection when it made it (a `redis` URL or options). */
  close(): Promise<void> {
    return this.cache.close()
  }

  async #get(sid: string): Promise<SessionData | null> {
    const at = this.#records.keysOf(sid)
    const cache = this.#internals
    let pttl: number | undefined
    const text = await cache.either(
      'session.get',
      sid,
      // Its time to live too, when the touch or save of this request may find a new expiry needless (expiries.ts).
      this.disableTouch || this.touchAfter === 0
        ? (client) => client.get(at.key)
        : async (client) => {
            const [text, ttl] = await Promise.all([client.get(at.key), client.pttl(at.key)])
            pttl = ttl
            return text
          },
      () => cache.run(scripts.read(at)),
    )
    if (text === null || text === undefined) return null
    const stored = readStored(text)
    if (stored === undefined) throw new CacheOperationError('session.get', sid, notASession(at.key))
    if (pttl !== undefined) this.#known.learn(sid, pttl, stored.owner)
    return this.#parse('session.get', sid, stored.data)
  }

  async #set(sid: string, session: SessionData): Promise<void> {
    const at = this.#records.keysOf(sid)
    checkSession(session)
    const ttl = this.#ttlOf(session)
    if (ttl <= 0) return this.#destroy(sid) // its cookie has expired: as connect-redis
    const owner = this.#ownerOf(session)
    const text = storedSession(owner, this.#serialize(session))
    const user = owner === undefined ? undefined : { set: this.#records.userSetOf(at, owner), owner }
    const interval = this.#intervalFor(ttl)
    const known = this.#known.take(sid)
    // Read by this request with the same user, its expiry to move by less than the interval:
    // the new data alone (lua/session/resave.lua), unless Redis no longer holds it so.
    const cap =
      user === undefined || this.maxSessionsPerUser === undefined
        ? undefined
        : { signins: this.#records.signinsOf(at, user.owner), max: this.maxSessionsPerUser, tombstoneTtl: this.tombstoneTtl }
    const set = scripts.set(at, user, ttl, text, interval, cap)
    const cache = this.#internals
    if (known !== undefined && known.owner === (owner ?? null) && withinInterval(known.expiry, ttl, interval)) {
      // One call of the store (one trace, one deadline), of one or two scripts.
      const resave = scripts.resave(at, user, text)
      const saved = await cache.call('session.set', sid, async () => ((await cache.run(resave)) ? undefined : await cache.run(set)))
      if (saved) this.#revoked(saved, owner, sid)
      return
    }
    this.#revoked(await cache.send('session.set', sid, set), owner, sid)
  }

  /** Tells the app which sessions a save's cap revoked ('revoked'). */
  #revoked(saved: scripts.Saved, owner: string | undefined, sid: string): void {
    if (saved.revoked.length === 0 || owner === undefined) return
    for (const id of saved.revoked) this.#known.forget(decodePart(id) as string)
    const revoked: RevokedSessions = { user: decodePart(owner), ids: saved.revoked.map((id) => decodePart(id) as string), by: sid, reason: 'maxSessionsPerUser' }
    this.emit('revoked', revoked)
  }

  async #touch(sid: string, session: SessionData): Promise<void> {
    const at = this.#records.keysOf(sid)
    checkSession(session)
    if (this.disableTouch) return
    const ttl = this.#ttlOf(session)
    if (ttl <= 0) return this.#destroy(sid)
    const interval = this.#intervalFor(ttl)
    const known = this.#known.take(sid)
    if (known !== undefined && withinInterval(known.expiry, ttl, interval)) return // read by this request: nothing to move
    const cache = this.#internals
    await cache.send('session.touch', sid, (checked) => scripts.touch(at, ttl, checked, interval))
  }

  async #destroy(sid: string): Promise<void> {
    const at = this.#records.keysOf(sid)
    this.#known.forget(sid)
    const cache = this.#internals
    await cache.send('session.destroy', sid, scripts.destroy(at, this.tombstoneTtl))
  }

  async #all(): Promise<SessionData[]> {
    const sessions: SessionData[] = []
    for (const shard of this.#records.shards()) {
      for await (const [key, text] of this.cache.iterate([...shard, 'sid', ANY], { count: LIST_COUNT })) {
        const id = (key as KeyPart[]).at(-1) as string
        const session = await this.#listed('all', id, text as string)
        if (session) sessions.push({ ...session, id })
      }
    }
    return sessions
  }

  async #length(): Promise<number> {
    let total = 0
    for (const shard of this.#records.shards()) total += await this.cache.count([...shard, 'sid', REST])
    return total
  }

  async #ids(): Promise<string[]> {
    const ids: string[] = []
    for (const shard of this.#records.shards()) {
      for await (const [key] of this.cache.iterate([...shard, 'sid', ANY], { values: false, count: LIST_COUNT })) ids.push((key as KeyPart[]).at(-1) as string)
    }
    return ids
  }

  async #clear(): Promise<void> {
    for (const shard of this.#records.shards()) {
      // Entry records of earlier releases first: a save racing the clear leaves at worst an
      // entry without a session (skipped by sessionsOf, dropped by revokeUser), never a
      // session its user cannot find. Then each session with its listing, a page a script.
      await this.cache.deleteAll([...shard, 'uid', REST])
      const index = this.#records.sessionIndex(shard)
      const clear = scripts.clear(index, REVOKE_PAGE)
      let before = Infinity
      let stalled = 0
      for (;;) {
        const left = await this.#internals.send('clear', undefined, clear)
        if (left <= 0) break
        // Each page takes up to a page of sessions off the index: an index that does not shrink
        // (written to faster than it is cleared, or members put back) would have this loop call forever.
        stalled = left >= before ? stalled + 1 : 0
        if (stalled === 2) throw new RedisCacheError('clear', undefined, '', `two pages in a row took nothing off ${index.index} (${left} members left): stopped`)
        before = left
      }
    }
  }

  /** How far a session's expiry may lag its cookie's (the touchAfter option, or its default for this ttl). */
  #intervalFor(ttl: number): number {
    if (this.touchAfter !== undefined) return this.touchAfter
    return ttl === Infinity ? MINUTE : Math.min(MINUTE, Math.floor(ttl / 100))
  }

  /** ms the session lives from now: the ttl function, else its cookie's expiry, else `ttl`. */
  #ttlOf(session: SessionData): number {
    if (typeof this.ttl === 'function') {
      const ms = this.ttl(session)
      if (typeof ms !== 'number' || Number.isNaN(ms))
        throw new RangeError(`options.ttl(session) must return a number of milliseconds, got ${typeof ms === 'number' ? ms : typeof ms}`)
      return ms === Infinity ? ms : Math.min(Math.ceil(ms), 2 ** 47)
    }
    const expires = session.cookie?.expires
    if (expires !== undefined && expires !== null && (expires as unknown) !== false) {
      const at = new Date(expires as string | Date).getTime()
      if (Number.isNaN(at)) throw new RangeError(`session.cookie.expires must be a date, got ${String(expires)}`)
      return Math.min(at - Date.now(), 2 ** 47)
    }
    return this.ttl
  }

  #ownerOf(session: SessionData): string | undefined {
    if (this.#userOf === undefined) return undefined
    const user = this.#userOf(session)
    return user === undefined ? undefined : encodeUser(user, 'userOf(session)')
  }

  #serialize(session: SessionData): string {
    try {
      return this.#stringify(session)
    } catch (error) {
      throw tooDeep(error, 'session') ?? error
    }
  }

  #stringify(session: SessionData): string {
    if (this.serializer === JSON) {
      const text = JSON.stringify(session) as string | undefined
      if (text === undefined) throw new TypeError('session cannot be written as JSON')
      return text
    }
    const text = this.serializer.stringify(session)
    if (typeof text !== 'string') throw new TypeError(`options.serializer.stringify(session) must return a string, got ${typeof text}`)
    return JSON.stringify(text)
  }

  /**
   * A session as a listing reads it (all(), sessionsOf()): one that cannot be read (not a
   * session this store wrote, or its serializer refuses it) is skipped and reported (a
   * CacheDecodeError on the 'error' event of `cache`, else a warning), as the core's all()
   * skips a record it cannot decode; get() of the same session rejects with the error.
   */
  async #listed(operation: Operation, sid: string, text: string): Promise<SessionData | undefined> {
    const stored = readStored(text)
    try {
      if (stored === undefined) throw notASession(this.#records.keysOf(sid).key)
      return await this.#parse(operation, sid, stored.data)
    } catch (error) {
      this.#internals.report(new CacheDecodeError(operation, undefined, sid, error instanceof CacheOperationError ? error.cause : error))
      return undefined
    }
  }

  async #parse(operation: Operation, sid: string, data: unknown): Promise<SessionData> {
    if (this.serializer === JSON) return data as SessionData
    try {
      return await this.serializer.parse(data as string)
    } catch (error) {
      throw new CacheOperationError(operation, sid, error)
    }
  }
}

/**
 * A session ttl that reads as seconds: under an hour, a whole number of minutes' worth of
 * seconds (60, 600, 3600, 86400...) but not of seconds' worth of milliseconds.
 */
function looksLikeSeconds(ttl: number): boolean {
  return ttl < 3_600_000 && ttl % 60 === 0 && ttl % 1000 !== 0
}

function checkSession(session: unknown): void {
  if (typeof session !== 'object' || session === null || Array.isArray(session)) {
    throw new TypeError(`session must be an object, got ${session === null ? 'null' : Array.isArray(session) ? 'an array' : typeof session}`)
  }
}

/** options.maxSessionsPerUser: a positive integer, with userOf, on one bucket. */
function checkCap(max: unknown, hasUserOf: boolean, buckets: number): number | undefined {
  if (max === undefined) return undefined
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max <= 0) {
    throw new RangeError(`options.maxSessionsPerUser must be a positive integer, got ${typeof max === 'number' ? max : typeof max}`)
  }
  if (!hasUserOf) throw new TypeError("options.maxSessionsPerUser needs options.userOf: the store must know whose a session is to count a user's sessions")
  if (buckets > 1) {
    throw new RangeError(
      `options.maxSessionsPerUser needs every session of a user in one script's reach: buckets 1 (got ${buckets}); on a cluster one bucket keeps the namespace on one node`,
    )
  }
  return max
}
