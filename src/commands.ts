/**
 * The store's scripts as typed calls: for each of put, add, delete, touch, read, page,
 * deletePage, count, verifyValues and verifyIndex, the one place its KEYS and ARGV are
 * built, in the layout its header in lua/ gives, and its reply read (the session scripts
 * are built in session/commands.ts). A call is data (script, KEYS, ARGV, whether it only
 * reads, how its reply is read) until the executor sends it (executor.ts); records of many
 * keys come as bounded calls, one bucket each (batches.ts). The core's scripts are defined
 * here (scripts.ts), from lua/*.lua as generated.ts holds them.
 */
import { bucketCalls } from './batches.js'
import type { BucketLayout } from './buckets.js'
import { indexKey, recordKeys } from './layout.js'
import type { CompiledPattern } from './patterns.js'
import { LUA, LUA_READ_ONLY } from './generated.js'
import { asIs, isOne, type RecordsCall, type ScriptCall, textOf } from './script-call.js'
import { defineScripts, type Script } from './scripts.js'

/** The core's scripts (lua/*.lua). */
export const SCRIPTS = defineScripts('', LUA, LUA_READ_ONLY)

type Encoded = readonly string[]

const flag = (on: boolean) => (on ? '1' : '0')

/** KEYS of a single-record script: the value key, then the index keys of its prefixes. */
export function keysOf(layout: BucketLayout, parts: Encoded): string[] {
  const { value, indexes } = recordKeys(layout.baseOf(parts), parts)
  return [value, ...indexes]
}

function many<T>(
  layout: BucketLayout,
  script: Script,
  reads: boolean,
  reply: (reply: unknown) => T,
  records: readonly Encoded[],
  head: (string | number)[],
  argsOf: (parts: Encoded, i: number) => (string | number)[],
): RecordsCall<T>[] {
  return bucketCalls(layout, records, head, argsOf).map(({ keys, args, positions }) => ({ script, keys, args, reads, reply, positions }))
}

const { put: PUT, add: ADD, increment: INCREMENT, delete: DELETE, touch: TOUCH, read: READ, page: PAGE, deletePage: DELETE_PAGE, count: COUNT } = SCRIPTS

/** lua/put.lua, one record: ARGV n, ttl (0: never), text. */
export function put(layout: BucketLayout, parts: Encoded, ttl: number, text: string): ScriptCall {
  return { script: PUT, keys: keysOf(layout, parts), args: [parts.length, ttl, text], reads: false, reply: asIs }
}

/** lua/put.lua, many records: per record n, ttl, text; each call all or none. */
export function putMany(layout: BucketLayout, records: readonly Encoded[], values: ReadonlyArray<readonly [ttl: number, text: string]>): RecordsCall[] {
  return many(layout, PUT, false, asIs, records, [], (parts, i) => [parts.length, ...(values[i] as [number, string])])
}

/** lua/add.lua: ARGV ttl, text, checked. Reply: whether it wrote. */
export function add(layout: BucketLayout, parts: Encoded, ttl: number, text: string, checked: boolean): ScriptCall<boolean> {
  return { script: ADD, keys: keysOf(layout, parts), args: [ttl, text, flag(checked)], reads: false, reply: isOne }
}

/** lua/increment.lua: a counter record's new count (a new counter gets `ttl`). Reply: the count. */
export function increment(layout: BucketLayout, parts: Encoded, ttl: number, checked: boolean): ScriptCall<number> {
  return { script: INCREMENT, keys: keysOf(layout, parts), args: [ttl, flag(checked)], reads: false, reply: Number }
}

/** lua/delete.lua answering 'count', one record. Reply: whether a live record was removed. */
export function remove(layout: BucketLayout, parts: Encoded, checked: boolean): ScriptCall<boolean> {
  return { script: DELETE, keys: keysOf(layout, parts), args: ['count', flag(checked), parts.length], reads: false, reply: isOne }
}

/** lua/delete.lua answering 'count', many records: per record n. Reply of each call: how many were removed. */
export function removeMany(layout: BucketLayout, records: readonly Encoded[], checked: boolean): RecordsCall<number>[] {
  return many(layout, DELETE, false, Number, records, ['count', flag(checked)], (parts) => [parts.length])
}

/** lua/delete.lua answering 'value' (take). Reply: the removed record's text, or null. */
export function take(layout: BucketLayout, parts: Encoded, checked: boolean): ScriptCall<string | null> {
  return { script: DELETE, keys: keysOf(layout, parts), args: ['value', flag(checked), parts.length], reads: false, reply: textOf }
}

/** lua/touch.lua: ARGV ttl, checked, whether to answer the value. Reply: 1 (or the text), or 0 (or null). */
export function touch(layout: BucketLayout, parts: Encoded, ttl: number, checked: boolean): ScriptCall<boolean> {
  return { script: TOUCH, keys: keysOf(layout, parts), args: [ttl, flag(checked), '0'], reads: false, reply: isOne }
}

/** lua/touch.lua answering the value (getAndTouch). Reply: the text, or null. */
export function touchValue(layout: BucketLayout, parts: Encoded, ttl: number, checked: boolean): ScriptCall<string | null> {
  return { script: TOUCH, keys: keysOf(layout, parts), args: [ttl, flag(checked), '1'], reads: false, reply: textOf }
}

/** lua/read.lua, many records: ARGV what, then per record n. Reply of each call: one answer per record, in order. */
export function read(layout: BucketLayout, records: readonly Encoded[], what: 'get' | 'exists' | 'pttl'): RecordsCall<unknown[]>[] {
  return many(layout, READ, true, asIs as (reply: unknown) => unknown[], records, [what], (parts) => [parts.length])
}

/** The index of a pattern's prefix in a bucket, and the bucket's root index (it names the namespace). */
function pageKeys(base: string, compiled: CompiledPattern): string[] {
  return [indexKey(base, compiled.prefix), indexKey(base, [])]
}

/** The pattern's tail as the page scripts read it (readTail): REST flag, then the parts after the prefix ('' for ANY). */
function tailArgs(compiled: CompiledPattern): (string | number)[] {
  return [compiled.rest ? '1' : '0', ...compiled.tail]
}

export interface PageStep {
  /** The ZSCAN cursor: '0' starts, '' once ZSCAN is done (only held members are left). */
  readonly cursor: string
  /** Matching members of an earlier ZSCAN page not yet read (the last reply's held members). */
  readonly held: readonly string[]
  /** The most records to return (also the ZSCAN COUNT hint), and the bytes of values after which the page ends. */
  readonly count: number
  readonly bytes: number
  readonly checked: boolean
  readonly values: boolean
}

/** A page script's reply, read: where the walk goes on, and the members (with values) of this page. */
export interface PageReply {
  /** The cursor of the next call ('' once ZSCAN is done) and the members it reads first. */
  readonly cursor: string
  readonly held: string[]
  /** member, value, member, value, ... (members only without values), from index `from` of `items`. */
  readonly items: string[]
  readonly from: number
  /** Whether the bucket's walk is complete. */
  readonly done: boolean
}

/** lua/page.lua: one page of a bucket's index. Reply: { next cursor, h, held member * h, member[, value], ... }. */
export function page(base: string, compiled: CompiledPattern, step: PageStep): ScriptCall<PageReply> {
  const head = [step.cursor, step.count, step.bytes, flag(step.checked), flag(step.values), step.held.length, ...step.held]
  return { script: PAGE, keys: pageKeys(base, compiled), args: [...head, ...tailArgs(compiled)], reads: true, reply: pageReply }
}

function pageReply(reply: unknown): PageReply {
  const items = reply as string[]
  const cursor = String(items[0])
  const h = Number(items[1])
  const held = items.slice(2, 2 + h)
  return { cursor, held, items, from: 2 + h, done: cursor === '' && h === 0 }
}

/** lua/deletePage.lua: removes one page of matching records. Reply: [next cursor, how many were removed]. */
export function deletePage(base: string, compiled: CompiledPattern, cursor: string, count: number): ScriptCall<[cursor: string, removed: number]> {
  return { script: DELETE_PAGE, keys: pageKeys(base, compiled), args: [cursor, count, ...tailArgs(compiled)], reads: false, reply: asIs as (reply: unknown) => [string, number] }
}

/** lua/count.lua: the live members of a bucket's index of a prefix (ZCOUNT). Reply: a number. */
export function count(base: string, prefix: Encoded): ScriptCall<number> {
  return { script: COUNT, keys: [indexKey(base, prefix)], args: [], reads: true, reply: Number }
}

/** lua/verifyValues.lua: checks (and repairs) value keys of one bucket. Reply: [value key, index key, ...] of missing entries. */
export function verifyValues(base: string, valueKeys: readonly string[], repair: boolean, checked: boolean): ScriptCall<string[]> {
  return { script: SCRIPTS.verifyValues, keys: [`${base}#`, ...valueKeys], args: [flag(repair), flag(checked)], reads: !repair, reply: asIs as (reply: unknown) => string[] }
}

/** lua/verifyIndex.lua: checks (and repairs) one page of an index. Reply: [next cursor, expiry problem, orphan member, ...]. */
export function verifyIndex(base: string, index: string, cursor: string, count: number, repair: boolean): ScriptCall<string[]> {
  return { script: SCRIPTS.verifyIndex, keys: [index, `${base}#`], args: [cursor, count, flag(repair)], reads: !repair, reply: asIs as (reply: unknown) => string[] }
}
