/**
 * The session scripts (lua/session*.lua) as typed calls: the one place their KEYS and ARGV
 * are built, from a session's keys (records.ts), in the layout their headers give.
 */
import type { ScriptCall } from '../script-call.js'
import { type SessionKeys, storedStart, type UserListings } from './records.js'

/** A session ttl as the scripts take it: ms, 0 for never. */
const ttlArg = (ttl: number) => (ttl === Infinity ? 0 : ttl)

/** lua/sessionRead.lua: the session's stored text if it is whole (a server that evicts). Reply: text or null. */
export function read(at: SessionKeys): ScriptCall {
  return { script: 'sessionRead', keys: [at.key], args: [at.base, at.userStart, at.sid] }
}

/** lua/sessionSet.lua: writes a session unless its tombstone refuses it; `set` is its user's set of sessions, with `owner` (the user's encoded part), when it has a user; its expiry kept when it would move by less than `interval` ms. */
export function set(at: SessionKeys, user: { set: string; owner: string } | undefined, ttl: number, text: string, interval: number): ScriptCall {
  const keys = user === undefined ? [at.key, at.tombstone] : [at.key, at.tombstone, user.set]
  return { script: 'sessionSet', keys, args: [at.base, at.userStart, at.sid, ttlArg(ttl), text, interval, user?.owner ?? ''] }
}

/** lua/sessionResave.lua: saves a session again with the user `owner` (its encoded part, or undefined; `set` its set of sessions), its expiry and index entries kept, if it is still stored with that user. Reply: 1 written, 0 not (then sessionSet). */
export function resave(at: SessionKeys, user: { set: string; owner: string } | undefined, text: string): ScriptCall {
  return { script: 'sessionResave', keys: user === undefined ? [at.key] : [at.key, user.set], args: [storedStart(user?.owner), text, at.sid] }
}

/** lua/sessionTouch.lua: a live session (and its member in its user's set) gets a new expiry, unless it would move by less than `interval` ms. Reply: 1 moved, 2 left (within the interval), 0 gone. */
export function touch(at: SessionKeys, ttl: number, checked: boolean, interval: number): ScriptCall {
  return { script: 'sessionTouch', keys: [at.key], args: [at.base, at.userStart, at.sid, ttlArg(ttl), checked ? '1' : '0', interval] }
}

/** lua/sessionDestroy.lua: removes a session and writes its tombstone (when it existed). */
export function destroy(at: SessionKeys, tombstoneTtl: number): ScriptCall {
  return { script: 'sessionDestroy', keys: [at.key, at.tombstone], args: [at.base, at.userStart, at.sid, tombstoneTtl] }
}

/** lua/sessionRevoke.lua: revokes one page of a user's sessions in a bucket. Reply: [revoked, left]. */
export function revoke(user: UserListings, owner: string, keep: string, page: number, tombstoneTtl: number): ScriptCall {
  return { script: 'sessionRevoke', keys: [user.set, user.index], args: [user.base, user.start, owner, keep, page, tombstoneTtl] }
}

/** lua/sessionClear.lua: removes one page of a bucket's sessions and their listings under their users. Reply: members left. */
export function clear(sessions: { index: string; base: string; start: string }, page: number): ScriptCall {
  return { script: 'sessionClear', keys: [sessions.index], args: [sessions.base, sessions.start, page] }
}
