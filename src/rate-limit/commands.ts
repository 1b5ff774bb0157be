/**
 * The rate limiter's scripts (lua/rate-limit/*.lua) as typed calls: the one place their KEYS
 * and ARGV are built, from a counter's key in the limiter's layout. The rate limiter brings
 * its scripts itself (defined here, from generated.ts): the core names none.
 */
import type { BucketLayout } from '../buckets.js'
import { keysOf } from '../commands.js'
import type { ScriptCall } from '../script-call.js'
import { defineScripts } from '../scripts.js'
import { LUA, LUA_READ_ONLY } from './generated.js'

/** The rate limiter's scripts (lua/rate-limit/*.lua). */
export const SCRIPTS = defineScripts('rate-limit', LUA, LUA_READ_ONLY)

/** What both scripts answer: the count and the window's milliseconds left. */
export interface Hits {
  hits: number
  /** Milliseconds left in the window; negative when there is no counter (-2) or it has no expiry (-1). */
  left: number
}

/** lua/rate-limit/hit.lua: a hit (`delta` 1) or one taken back (-1). Reply: { hits, pttl }. */
export function hit(layout: BucketLayout, parts: readonly string[], windowMs: number, resetOnHit: boolean, checked: boolean, delta: 1 | -1): ScriptCall<Hits> {
  return {
    script: SCRIPTS.hit,
    keys: keysOf(layout, parts),
    args: [windowMs, resetOnHit ? '1' : '0', checked ? '1' : '0', delta],
    reads: false,
    reply: (reply) => {
      const [hits, left] = reply as [number, number]
      return { hits: Number(hits), left: Number(left) }
    },
  }
}

/** lua/rate-limit/get.lua: a counter read. Reply: { hits, pttl }, or undefined when there is none. */
export function get(layout: BucketLayout, parts: readonly string[], checked: boolean): ScriptCall<Hits | undefined> {
  return {
    script: SCRIPTS.get,
    keys: keysOf(layout, parts),
    args: [checked ? '1' : '0'],
    reads: true,
    reply: (reply) => {
      if (!Array.isArray(reply)) return undefined
      const hits = /^\{"json":(\d+)\}$/.exec(String(reply[0]))
      if (!hits) throw new Error('the record is not a rate limiter counter')
      return { hits: Number(hits[1]), left: Number(reply[1]) }
    },
  }
}
