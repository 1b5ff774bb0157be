/**
 * The checks of arguments and options: each throws a TypeError or RangeError naming the
 * argument, before anything is sent. A leaf of the core: the store, listing, verify and the
 * integrations check with these.
 */
import { LIMITS } from './limits.js'

/**
 * A ttl as the scripts take it: milliseconds, 0 for never. `undefined` stays undefined
 * (the caller's default applies). Anything but a positive safe integer or Infinity is a RangeError.
 */
export function checkTtl(ttl: unknown, name: string): number | undefined {
  if (ttl === undefined) return undefined
  if (ttl === Infinity) return 0
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl <= 0 || ttl > LIMITS.maxTtl) {
    throw new RangeError(`${name} must be a positive integer of milliseconds up to 2^47 (or Infinity for no expiry), got ${describe(ttl)}`)
  }
  return ttl
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  return typeof value
}

export function checkCount(count: unknown, name: string): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= 0) {
    throw new RangeError(`${name} must be a positive safe integer, got ${describe(count)}`)
  }
  return count
}

/** Node's timers run a longer delay after 1 ms (TimeoutOverflowWarning): the longest timeout a call can have. */
const LONGEST_TIMER = 2 ** 31 - 1

export function checkTimeout(timeout: unknown): number {
  const ms = checkCount(timeout, 'options.timeout')
  if (ms > LONGEST_TIMER) throw new RangeError(`options.timeout must be at most ${LONGEST_TIMER} ms (about 24.8 days, what Node's timers allow), got ${ms}`)
  return ms
}

/** A duration that may be zero: a non-negative integer of milliseconds. */
export function checkInterval(ms: unknown, name: string): number {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0 || ms > LIMITS.maxTtl) {
    throw new RangeError(`${name} must be a non-negative integer of milliseconds up to 2^47, got ${describe(ms)}`)
  }
  return ms
}

/**
 * Habits from the stores and clients people move from (connect-redis, @keyv/redis,
 * node-redis), and what each is here: an option this store does not know is refused with
 * its hint, never ignored.
 */
const HABITS: Record<string, string> = {
  client: "connect-redis's `client` is `redis` here (a client, a redis:// URL or ioredis options)",
  prefix: "connect-redis's `prefix` is `namespace` here (a name, without ':'; it becomes the Redis hash tag '{name}:')",
  keyPrefix: "`keyPrefix` is `namespace` here (a name, without ':'; it becomes the Redis hash tag '{name}:')",
  scanCount: 'listing reads an index, never SCAN: no `scanCount` is needed',
  disableTTL: 'records always get a ttl here (`ttl: Infinity` for sessions that never expire)',
  url: 'a URL goes in `redis` (`redis: "redis://..."`)',
  socket: 'node-redis socket options are not read here: pass a URL or ioredis options in `redis`',
  keyPrefixSeparator: 'keys are made of parts here: no separator is needed',
  useUnlink: 'deletions use UNLINK already',
  clearBatchSize: 'clear() works a page of 500 records per script call already',
  expire: 'the ttl option is `ttl`, in milliseconds',
  expiration: 'the ttl option is `ttl`, in milliseconds',
}

/** A map's own note for an option name (not one an object inherits, such as `constructor`). */
function noteOf(notes: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(notes, key) ? notes[key] : undefined
}

/** The known option nearest to a misspelt one (same letters but for case, or one or two edits). */
function nearest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  const exact = known.find((k) => k.toLowerCase() === lower)
  if (exact) return exact
  let best: string | undefined
  let bestDistance = 3
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase())
    if (d < bestDistance) {
      bestDistance = d
      best = k
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length] as number
}

/**
 * Throws a TypeError when `options` is not an object, or names an option not in `known`:
 * each unknown one with what it is here (a habit from connect-redis, @keyv/redis or
 * node-redis, or from the peer an integration replaces: `habits`, read first; else the known
 * option it is nearest to). `ttlNote` adds, when a ttl is given beside such a habit, that
 * ttls here are milliseconds (connect-redis counts seconds).
 */
export function checkOptions(options: unknown, known: readonly string[], name = 'options', ttlNote = false, habits: Readonly<Record<string, string>> = {}): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${name} must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`)
  }
  let unknown: string[] | undefined
  for (const key in options) if (!known.includes(key)) (unknown ??= []).push(key)
  if (unknown === undefined) return
  const notes = unknown.map((key) => {
    const habit = noteOf(habits, key) ?? noteOf(HABITS, key)
    const near = habit === undefined ? nearest(key, known) : undefined
    return `${name}.${key}: ${habit ?? (near ? `did you mean \`${near}\`?` : 'not an option here')}`
  })
  if (ttlNote && known.includes('ttl') && typeof (options as { ttl?: unknown }).ttl === 'number') {
    notes.push(`${name}.ttl is in milliseconds here (connect-redis counts seconds): a day is 86_400_000`)
  }
  const which = unknown.length === 1 ? 'an option it does not know' : 'options it does not know'
  throw new TypeError(`${name} has ${which}: ${notes.join('; ')}. Known: ${known.join(', ')}`)
}

/** Throws a TypeError naming the option unless the value is undefined or a boolean. */
export function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`)
  return value
}
