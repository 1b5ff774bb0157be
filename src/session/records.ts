/**
 * How sessions are kept in a RedisCache namespace (default 'sess'), in the key layout every
 * record uses (layout.ts):
 *
 *   [...shard, 'sid', sid]              the session, a record: `{"json":[owner, data]}`
 *   {ns}:[shard:]uid:<user>:#sid        its user's set of sessions: a sorted set of session ids
 *                                       scored with their expiry, not a record (the form
 *                                       layout.ts keeps for an integration's sets)
 *   [...shard, 'revoked', sid]          a tombstone: the session was destroyed or revoked
 *                                       (value `{"json":<epoch ms of the revocation>}`)
 *   {ns}:uid:<user>:#signin             with maxSessionsPerUser (one bucket): the user's
 *                                       sign-ins, session ids scored with the server's time
 *                                       when each was signed in to the user; expires with
 *                                       the user's set of sessions (a set, as that one)
 *
 * Releases before the sets listed a session under its user with a record of its own,
 * [...shard, 'uid', user, sid] (value `{"json":1}`), listed in the index of each of its
 * prefixes; its user's index of those, `{ns}:[shard:]uid:<user>:#`, is still read (by
 * sessionsOf, revokeUser, clear), and a session's entry record moves into the set when the
 * session is next written or touched (lua/includes/session.lua).
 *
 * `owner` is the user's encoded key part as a JSON string (null for a session without a user),
 * so a script finds the user's set from the session alone; `data` is the session as JSON
 * (or, with a custom serializer, its text as a JSON string). The value is also what superjson
 * writes for the array [owner, data], so the namespace reads like any other with a RedisCache.
 *
 * `shard` is empty on a single bucket. With `buckets` > 1 it is one number part, chosen from the
 * session id, that puts every record of one session in the same bucket (bucketBy 1), so each
 * script touches one hash slot; a user's set is then split over the buckets, one per shard.
 */
import { fnv1a, type BucketLayout } from '../buckets.js'
import { encodePart, type KeyPart } from '../parts.js'

/** The part that picks each bucket: the smallest integer whose encoding hashes to it (bucketBy 1). */
export function shardLabels(buckets: number): number[] {
  if (buckets === 1) return []
  const labels = new Array<number | undefined>(buckets)
  let found = 0
  for (let n = 0; found < buckets; n++) {
    const b = fnv1a(String(n)) % buckets
    if (labels[b] === undefined) {
      labels[b] = n
      found++
    }
  }
  return labels as number[]
}

/** The keys and script arguments of one session id (see the session scripts' headers). */
export interface SessionKeys {
  /** The session's value key: `{ns}:[shard:]sid:<sid>`. */
  readonly key: string
  /** Its tombstone's value key: `{ns}:[shard:]revoked:<sid>`. */
  readonly tombstone: string
  /** The bucket's `{ns}:` (or `{ns#b}:`). */
  readonly base: string
  /** The start of its users' keys: `{ns}:[shard:]uid:`. */
  readonly userStart: string
  /** The session id, encoded as a key part. */
  readonly sid: string
}

/** Where a shard lists the sessions of one user. */
export interface UserListings {
  /** Its set of sessions: `{ns}:[shard:]uid:<user>:#sid`. */
  readonly set: string
  /** Its index of entry records, as releases before the sets wrote them: `{ns}:[shard:]uid:<user>:#`. */
  readonly index: string
  readonly base: string
  readonly start: string
}

/** The set name of a user's sessions (layout.ts's `{ns}:p1:...:pk:#name`). */
const USER_SET = 'sid'
/** The set name of a user's sign-ins, with a cap on the user's sessions (maxSessionsPerUser). */
const SIGNINS = 'signin'

function userSet(userStart: string, owner: string): string {
  return `${userStart}${owner}:#${USER_SET}`
}

/** Every key of the session records, built here and nowhere else. */
export class SessionRecords {
  readonly labels: readonly number[]

  constructor(private readonly layout: BucketLayout) {
    this.labels = shardLabels(layout.buckets)
  }

  /** The key parts before the kind for this session id: [] or [shard]. */
  shardOf(sid: string): KeyPart[] {
    if (this.labels.length === 0) return []
    return [this.labels[fnv1a(sid) % this.labels.length] as number]
  }

  /** Every shard prefix: [[]] on one bucket, else one per bucket. */
  shards(): KeyPart[][] {
    return this.labels.length === 0 ? [[]] : this.labels.map((label) => [label])
  }

  /** The session's key as a RedisCache key. */
  session(sid: string): KeyPart[] {
    return [...this.shardOf(sid), 'sid', sid]
  }

  /** The keys of one session id; a TypeError for an id that is not a string. */
  keysOf(sid: unknown): SessionKeys {
    if (typeof sid !== 'string') throw new TypeError(`sid must be a string, got ${sid === null ? 'null' : typeof sid}`)
    const encoded = encodePart(sid, 'sid')
    const { base, start } = this.startOf(this.shardOf(sid))
    return { key: `${start}sid:${encoded}`, tombstone: `${start}revoked:${encoded}`, base, userStart: `${start}uid:`, sid: encoded }
  }

  /** The set of sessions of a user (its encoded part) in the bucket of these keys. */
  userSetOf(keys: SessionKeys, owner: string): string {
    return userSet(keys.userStart, owner)
  }

  /** The sign-ins of a user (its encoded part) in the bucket of these keys (maxSessionsPerUser): `{ns}:[shard:]uid:<user>:#signin`. */
  signinsOf(keys: SessionKeys, owner: string): string {
    return `${keys.userStart}${owner}:#${SIGNINS}`
  }

  /** What a shard keeps of an owner (an encoded part): its set, its index of entry records (earlier releases), the shard's base and key start. */
  userListings(shard: KeyPart[], owner: string): UserListings {
    const { base, start } = this.startOf(shard)
    return { set: userSet(`${start}uid:`, owner), index: `${start}uid:${owner}:#`, base, start }
  }

  /** A shard's index of sessions, with its base and key start. */
  sessionIndex(shard: KeyPart[]): { index: string; base: string; start: string } {
    const { base, start } = this.startOf(shard)
    return { index: `${start}sid:#`, base, start }
  }

  /** A shard's bucket base (`{ns}:` or `{ns#b}:`) and the start of its keys before the record kind. */
  private startOf(shard: KeyPart[]): { base: string; start: string } {
    const parts = shard.map((part) => encodePart(part, 'shard'))
    const base = this.layout.baseOf(parts.length === 0 ? ['sid'] : parts)
    return { base, start: base + parts.map((part) => `${part}:`).join('') }
  }
}

/** How the stored text of a session of `owner` (an encoded part, or undefined) starts, up to its data. */
export function storedStart(owner: string | undefined): string {
  return `{"json":[${owner === undefined ? 'null' : JSON.stringify(owner)},`
}

/** The stored text of a session: its owner's encoded part (or null) and its data. */
export function storedSession(owner: string | undefined, data: string): string {
  return `${storedStart(owner)}${data}]}`
}

/** The owner and data of a stored session; undefined for a value not written as one. */
export function readStored(text: string): { owner: string | null; data: unknown } | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  const pair = (parsed as { json?: unknown })?.json
  if (!Array.isArray(pair) || pair.length !== 2 || (pair[0] !== null && typeof pair[0] !== 'string')) return undefined
  return { owner: pair[0] as string | null, data: pair[1] }
}

/** A user id as the encoded key part that names its index. */
export function encodeUser(user: unknown, name: string): string {
  if (user === undefined) throw new TypeError(`${name} must be a key part, got undefined`)
  return encodePart(user, name)
}
