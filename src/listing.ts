/**
 * Listing: the records that match a pattern, found through the index of the pattern's
 * longest concrete prefix, page by page and bucket by bucket (lua/page.lua); deleting them
 * (lua/deletePage.lua); counting them (lua/count.lua when the index holds exactly the
 * matching records, else by listing their keys). Never SCAN: each page reads one index.
 */
import type { BucketLayout } from './buckets.js'
import * as commands from './commands.js'
import type { Executor } from './executor.js'
import type { Operation } from './operations.js'
import { decodeParts, keyFromParts, type Key } from './keys.js'
import { LIMITS } from './limits.js'
import { checkBoolean, checkCount, checkOptions } from './checks.js'
import { DEFAULTS } from './defaults.js'
import { compareKeys } from './order.js'
import { decodePart, type KeyPart } from './parts.js'
import { type CompiledPattern, compilePattern } from './patterns.js'
import type { Reads } from './reads.js'
import { type Codec, UNREADABLE } from './values.js'

/**
 * How listing reaches Redis: the store's layout, its executor (one script call with its
 * timeout and errors), its reads (for a pattern that names one key) and its codec.
 */
export interface ListingContext {
  readonly layout: BucketLayout
  readonly reads: Reads
  readonly codec: Codec
  readonly executor: Executor
}

/** The options of iterate(). */
export interface IterateOptions {
  /** Records per page (also the ZSCAN COUNT hint). Default 100. */
  count?: number
  /** false: read no values; each record comes as [key, undefined]. Default true. */
  values?: boolean
}

export interface ListOptions {
  /** Records per page (also the ZSCAN COUNT hint). */
  readonly count: number
  /** Whether a record counts only while every index lists it (a server that evicts). */
  readonly checked: boolean
  /** Whether to read values; without, only their existence is checked. */
  readonly values: boolean
}

type Listed = [KeyPart[], string | undefined]

/**
 * Reads the matching records a page at a time: each call of the answer reads one page, as
 * [decoded parts, stored value text (undefined without values)], and answers null once every
 * bucket is read. A page holds at most `count` records and ends once its values pass
 * LIMITS.pageBytes. Each ZSCAN cursor is scanned once (lua/page.lua): when a page fills
 * inside a ZSCAN page, the matching members it did not read come back held, and the next
 * call reads them by name before it scans on, so a record present from the listing's start
 * to its end is returned. A member that ZSCAN returns twice is listed once (per bucket: a
 * record is in one).
 */
function pager(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern, options: ListOptions): () => Promise<Listed[] | null> {
  const prefix = decodeParts(compiled.prefix)
  const buckets = ctx.layout.bucketsOf(compiled)
  const step = options.values ? 2 : 1
  let b = 0
  let cursor = '0'
  let held: string[] = []
  let seen = new Set<string>()
  return async () => {
    const bucket = buckets[b]
    if (bucket === undefined) return null
    const request = { cursor, held, count: Math.min(options.count, LIMITS.pageRecords), bytes: LIMITS.pageBytes, checked: options.checked, values: options.values }
    const reply = await ctx.executor.send(operation, pattern, commands.page(ctx.layout.bases[bucket] as string, compiled, request))
    const page: Listed[] = []
    const { items } = reply
    for (let i = reply.from; i < items.length; i += step) {
      const member = items[i] as string
      if (seen.has(member)) continue
      seen.add(member)
      page.push([prefix.concat(member.split(':').map(decodePart)), options.values ? (items[i + 1] as string) : undefined])
    }
    cursor = reply.cursor
    held = reply.held
    if (reply.done) {
      b++
      cursor = '0'
      seen = new Set<string>()
    }
    return page
  }
}

/** The matching records, page by page as the caller pulls them (iterate). */
export async function* matching(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern, options: ListOptions): AsyncGenerator<Listed> {
  const next = pager(ctx, operation, pattern, compiled, options)
  for (let page: Listed[] | null; (page = await next()); ) yield* page
}

/** Every matching record at once (all): the same pages as matching(), without a generator. */
export async function allMatching(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern, options: ListOptions): Promise<Listed[]> {
  const next = pager(ctx, operation, pattern, compiled, options)
  const found: Listed[] = []
  for (let page: Listed[] | null; (page = await next()); ) found.push(...page)
  return found
}

/** Removes every matching record, each whole; resolves how many were removed. */
export async function deleteMatching(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern, checked: boolean): Promise<number> {
  if (compiled.exact) {
    return (await ctx.executor.send(operation, pattern, commands.remove(ctx.layout, compiled.prefix, checked))) ? 1 : 0
  }
  const removed = await Promise.all(
    ctx.layout.bucketsOf(compiled).map(async (bucket) => {
      const base = ctx.layout.bases[bucket] as string
      let total = 0
      let cursor = '0'
      do {
        const [next, count] = await ctx.executor.send(operation, pattern, commands.deletePage(base, compiled, cursor, DEFAULTS.bulkCount))
        cursor = next
        total += count
      } while (cursor !== '0')
      return total
    }),
  )
  return removed.reduce((a, b) => a + b, 0)
}

/**
 * How many live records match. A pattern without wildcards is one EXISTS (or read script);
 * a pattern `[...prefix, REST]` (every record under the prefix) is counted from its index alone, one ZCOUNT per bucket, where reads need not
 * check indexes; any other pattern, by listing the matching keys (no values read).
 */
export async function countMatching(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<number> {
  if (compiled.exact) return (await ctx.reads.one(operation, pattern, 'exists', compiled.prefix)) === 1 ? 1 : 0
  const checked = await ctx.executor.checked(operation, pattern)
  if (compiled.rest && compiled.tail.length === 0 && !checked) {
    const counts = await Promise.all(
      ctx.layout.bucketsOf(compiled).map((bucket) => ctx.executor.send(operation, pattern, commands.count(ctx.layout.bases[bucket] as string, compiled.prefix))),
    )
    return counts.reduce((a, b) => a + b, 0)
  }
  let n = 0
  for await (const _ of matching(ctx, operation, pattern, compiled, { count: DEFAULTS.bulkCount, checked, values: false })) n++
  return n
}

/** The one record a pattern without wildcards names, if live: [key, value], or nothing. */
async function exact(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<Array<[Key, unknown]>> {
  const key = keyFromParts(decodeParts(compiled.prefix))
  const text = (await ctx.reads.one(operation, pattern, 'get', compiled.prefix)) as string | null
  return text === null ? [] : [[key, ctx.codec.decode(operation, pattern, key, text)]]
}

/** Every live record that matches, as [key, value] pairs sorted by key (all()). */
export async function allRecords(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<Array<[Key, unknown]>> {
  if (compiled.exact) return exact(ctx, operation, pattern, compiled)
  const checked = await ctx.executor.checked(operation, pattern)
  const found: Array<{ parts: KeyPart[]; value: unknown }> = []
  for (const [parts, text] of await allMatching(ctx, operation, pattern, compiled, { count: DEFAULTS.bulkCount, checked, values: true })) {
    const value = ctx.codec.listed(operation, pattern, keyFromParts(parts), text as string)
    if (value !== UNREADABLE) found.push({ parts, value })
  }
  found.sort((a, b) => compareKeys(a.parts, b.parts))
  return found.map(({ parts, value }) => [keyFromParts(parts), value])
}

/** The parts of each live record that matches, no value read, page by page. */
export async function* keysMatching(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern, count: number): AsyncGenerator<KeyPart[]> {
  if (compiled.exact) {
    if ((await ctx.reads.one(operation, pattern, 'exists', compiled.prefix)) === 1) yield decodeParts(compiled.prefix)
    return
  }
  const checked = await ctx.executor.checked(operation, pattern)
  for await (const [parts] of matching(ctx, operation, pattern, compiled, { count, checked, values: false })) yield parts
}

/** Matching records with their decoded values, page by page; one that cannot be decoded is skipped and reported. */
export async function* recordsMatching(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern, count: number): AsyncGenerator<[Key, unknown]> {
  if (compiled.exact) {
    yield* await exact(ctx, operation, pattern, compiled)
    return
  }
  const checked = await ctx.executor.checked(operation, pattern)
  for await (const [parts, text] of matching(ctx, operation, pattern, compiled, { count, checked, values: true })) {
    const key = keyFromParts(parts)
    const value = ctx.codec.listed(operation, pattern, key, text as string)
    if (value !== UNREADABLE) yield [key, value]
  }
}

/** The keys of every live record that matches, sorted (keys()). */
export async function allKeys(ctx: ListingContext, operation: Operation, pattern: unknown, compiled: CompiledPattern): Promise<Key[]> {
  const found: KeyPart[][] = []
  for await (const parts of keysMatching(ctx, operation, pattern, compiled, DEFAULTS.bulkCount)) found.push(parts)
  return found.sort(compareKeys).map(keyFromParts)
}

/**
 * iterate(): an async generator, so that bad input and a closed store (`open` throws) reject
 * the first next(), as every other call rejects, instead of throwing at the call.
 */
export async function* iterateMatching(ctx: ListingContext, pattern: unknown, options: IterateOptions, open: () => void): AsyncGenerator<[Key, unknown]> {
  open()
  checkOptions(options, ['count', 'values'])
  const compiled = compilePattern(pattern)
  const count = checkCount(options.count ?? DEFAULTS.iterateCount, 'options.count')
  if (checkBoolean(options.values, 'options.values') !== false) {
    yield* recordsMatching(ctx, 'iterate', pattern, compiled, count)
    return
  }
  for await (const parts of keysMatching(ctx, 'iterate', pattern, compiled, count)) yield [keyFromParts(parts), undefined]
}
