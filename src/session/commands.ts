/**
 * The session scripts (lua/session/*.lua) as typed calls: the one place their KEYS and ARGV
 * are built, from a session's keys (records.ts), in the layout their headers give. The
 * session store brings its scripts itself (defined here, from generated.ts): the core names none.
 */
import { asIs, isOne, type ScriptCall, textOf } from '../script-call.js'
import { defineScripts } from '../scripts.js'
import { LUA, LUA_READ_ONLY } from './generated.js'
import { type SessionKeys, storedStart, type UserListings } from './records.js'

/** The session store's scripts (lua/session/*.lua). */
export const SCRIPTS = defineScripts('session', LUA, LUA_READ_ONLY)

/** A session ttl as the scripts take it: ms, 0 for never. */
const ttlArg = (ttl: number) => (ttl === Infinity ? 0 : ttl)

/** lua/session/read.lua: the session's stored text if it is whole (a server that evicts). Reply: text or null. */
export function read(at: SessionKeys): ScriptCall<string | null> {
  return { script: SCRIPTS.read, keys: [at.key], args: [at.base, at.userStart, at.sid], reads: true, reply: textOf }
}

/** What a save did: written or refused, and the ids (encoded) of the sessions a cap revoked. */
export interface Saved {
  written: boolean
  revoked: string[]
}

/** A cap on a user's sessions (maxSessionsPerUser): the user's sign-ins, the cap, and the tombstones' shortest life. */
export interface Cap {
  signins: string
  max: number
  tombstoneTtl: number
}

/**
 * lua/session/set.lua: writes a session unless its tombstone refuses it; `set` is its user's
 * set of sessions, with `owner` (the user's encoded part), when it has a user; its expiry kept
 * when it would move by less than `interval` ms; with `cap`, a sign-in past it revokes the
 * user's sessions signed in first.
 */
export function set(at: SessionKeys, user: { set: string; owner: string } | undefined, ttl: number, text: string, interval: number, cap?: Cap): ScriptCall<Saved> {
  const args = [at.base, at.userStart, at.sid, ttlArg(ttl), text, interval, user?.owner ?? '']
  const keys = user === undefined ? [at.key, at.tombstone] : [at.key, at.tombstone, user.set]
  if (user !== undefined && cap !== undefined) {
    keys.push(cap.signins)
    args.push(cap.max, cap.tombstoneTtl)
  }
  return { script: SCRIPTS.set, keys, args, reads: false, reply: savedOf }
}

function savedOf(reply: unknown): Saved {
  if (Array.isArray(reply)) return { written: true, revoked: reply.slice(1).map(String) }
  return { written: reply === 1, revoked: [] }
}

/** lua/session/resave.lua: saves a session again with the user `owner` (its encoded part, or undefined; `set` its set of sessions), its expiry and index entries kept, if it is still stored with that user. Reply: 1 written, 0 not (then session/set.lua). */
export function resave(at: SessionKeys, user: { set: string; owner: string } | undefined, text: string): ScriptCall<boolean> {
  return { script: SCRIPTS.resave, keys: user === undefined ? [at.key] : [at.key, user.set], args: [storedStart(user?.owner), text, at.sid], reads: false, reply: isOne }
}

/** lua/session/touch.lua: a live session (and its member in its user's set) gets a new expiry, unless it would move by less than `interval` ms. Reply: 1 moved, 2 left (within the interval), 0 gone. */
export function touch(at: SessionKeys, ttl: number, checked: boolean, interval: number): ScriptCall {
  return { script: SCRIPTS.touch, keys: [at.key], args: [at.base, at.userStart, at.sid, ttlArg(ttl), checked ? '1' : '0', interval], reads: false, reply: asIs }
}

/** lua/session/destroy.lua: removes a session and writes its tombstone (when it existed). */
export function destroy(at: SessionKeys, tombstoneTtl: number): ScriptCall {
  return { script: SCRIPTS.destroy, keys: [at.key, at.tombstone], args: [at.base, at.userStart, at.sid, tombstoneTtl], reads: false, reply: asIs }
}

/** lua/session/revoke.lua: revokes one page of a user's sessions in a bucket. Reply: [revoked, left]. */
export function revoke(user: UserListings, owner: string, keep: string, page: number, tombstoneTtl: number): ScriptCall<[revoked: number, left: number]> {
  return {
    script: SCRIPTS.revoke,
    keys: [user.set, user.index],
    args: [user.base, user.start, owner, keep, page, tombstoneTtl],
    reads: false,
    reply: asIs as (reply: unknown) => [number, number],
  }
}

/** lua/session/clear.lua: removes one page of a bucket's sessions and their listings under their users. Reply: members left. */
export function clear(sessions: { index: string; base: string; start: string }, page: number): ScriptCall<number> {
  return { script: SCRIPTS.clear, keys: [sessions.index], args: [sessions.base, sessions.start, page], reads: false, reply: Number }
}
