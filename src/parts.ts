/**
 * Key parts: what a part may be, how one is written into a Redis key, and how it is read back.
 *
 * The encoding of one part never contains `:` (the separator between parts), so a
 * Lua script can split a stored key into parts without decoding them. It is exact and
 * injective: every allowed part comes back with its type, and two different parts never
 * share an encoding.
 *
 *   string    as itself, with `%` and `:` percent-escaped and lone UTF-16 surrogates
 *             written `%uXXXX`; a string whose first character is one of
 *             `0-9 - ! @ ~ ' #` has that character percent-escaped; '' is `''`
 *   number    String(n): `42`, `-1.5`, `1e+21` (-0 is written as 0)
 *   bigint    digits and a trailing n: `42n`
 *   boolean   `!true`, `!false`;  null: `!null`
 *   Date      `@` and its epoch milliseconds: `@1764000000000`
 *   object or array   `~` and the escaped superjson text of the value with its object
 *             entries sorted by name, so entry order does not matter
 */
import superjson from 'superjson'

/** One part of a key. Objects and arrays are compared by content, entry order ignored. */
export type KeyPart = string | number | bigint | boolean | null | Date | readonly KeyPart[] | { readonly [name: string]: KeyPart } | KeyObject

/**
 * A plain object typed by an interface (which has no index signature, so the type above
 * does not take it): any object that is not an array, a function or a promise. Its entries
 * must be key parts too, which is checked when the key is used (a TypeError otherwise).
 */
export type KeyObject = object & { readonly length?: never; readonly call?: never; readonly apply?: never; readonly then?: never }

/** A string that can be written as it is. */
const PLAIN_STRING = /^[^0-9\-!@~'#%:\uD800-\uDFFF][^%:\uD800-\uDFFF]*$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const ESCAPED = /%(u[0-9A-F]{4}|[0-9A-F]{2})/g

/** Whether a string holds a UTF-16 surrogate without its pair (it has no UTF-8 form). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0')
}

/**
 * `%` as %25, `:` as %3A, a lone surrogate as %uXXXX: one pass over the char codes, the text
 * itself when nothing needs escaping (a hot path: keys like 'user:42' are common).
 */
function escapeText(text: string): string {
  let out = ''
  let from = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let escaped: string
    if (c === 37) escaped = '%25'
    else if (c === 58) escaped = '%3A'
    else if (c < 0xd800 || c > 0xdfff) continue
    else if (c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      i++ // a pair: written as it is
      continue
    } else escaped = `%u${hex(c, 4)}` // a high surrogate without its low one, or a low one without its high one
    out += text.slice(from, i) + escaped
    from = i + 1
  }
  return from === 0 ? text : out + text.slice(from)
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff

function unescapeText(text: string): string {
  return text.replace(ESCAPED, (_, code: string) => String.fromCharCode(parseInt(code[0] === 'u' ? code.slice(1) : code, 16)))
}

/**
 * Whether a string is its own encoding (PLAIN_STRING: not empty, no reserved first
 * character, no '%', ':' or surrogate), by a loop over its char codes: cheaper than the
 * regular expression for the short parts most keys have (the per-request path).
 */
export function isPlainString(value: string): boolean {
  const n = value.length
  if (n === 0) return false
  if (isReservedFirst(value.charCodeAt(0))) return false
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i)
    if (c === 37 || c === 58 || (c >= 0xd800 && c <= 0xdfff)) return false
  }
  return true
}

/** The regular expression isPlainString answers (for the tests). */
export const PLAIN_STRING_PATTERN = PLAIN_STRING

/** Whether a string may not start with this character: 0-9 - ! @ ~ ' # mark the other types. */
function isReservedFirst(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 33 || c === 64 || c === 126 || c === 39 || c === 35
}

export function encodeString(value: string): string {
  if (isPlainString(value)) return value
  if (value === '') return "''"
  const escaped = escapeText(value)
  return isReservedFirst(escaped.charCodeAt(0)) ? `%${hex(escaped.charCodeAt(0), 2)}${escaped.slice(1)}` : escaped
}

/** Object entry names superjson refuses to write, anywhere in a value. */
export const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype'])

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Checks a nested object or array part and returns a copy with object entries sorted by
 * name (the canonical form). Throws a TypeError naming `where` for anything not allowed.
 */
function canonical(value: unknown, where: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'bigint':
    case 'boolean':
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${where} must be a finite number, got ${value}`)
      return Object.is(value, -0) ? 0 : value
    case 'object': {
      if (value === null) return null
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError(`${where} is an invalid Date`)
        return value
      }
      if (seen.has(value)) throw new TypeError(`${where} contains itself (a circular structure)`)
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          const out: unknown[] = []
          for (let i = 0; i < value.length; i++) {
            if (!(i in value)) throw new TypeError(`${where}[${i}] is a hole in a sparse array`)
            out.push(canonical(value[i], `${where}[${i}]`, seen))
          }
          return out
        }
        if (!isPlainObject(value)) {
          throw new TypeError(`${where} must be a plain object, got ${value.constructor?.name ?? 'an object'}`)
        }
        if (Object.getOwnPropertySymbols(value).length > 0) {
          throw new TypeError(`${where} has a symbol-named property, which a key part cannot hold`)
        }
        const out: Record<string, unknown> = {}
        for (const name of Object.keys(value).sort()) {
          if (RESERVED_NAMES.has(name)) throw new TypeError(`${where} has an entry named '${name}', which superjson refuses (a prototype pollution guard)`)
          Object.defineProperty(out, name, {
            value: canonical((value as Record<string, unknown>)[name], `${where}.${name}`, seen),
            enumerable: true,
            writable: true,
            configurable: true,
          })
        }
        return out
      } finally {
        seen.delete(value)
      }
    }
    default:
      throw new TypeError(`${where} must be a string, number, bigint, boolean, null, Date, or a plain object or array of those; got ${describeType(value)}`)
  }
}

export function describeType(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'symbol') return value.description ? `Symbol(${value.description})` : 'a symbol'
  return typeof value
}

/** Encodes one part; throws a TypeError naming `where` when the part is not allowed. */
export function encodePart(part: unknown, where: string): string {
  switch (typeof part) {
    case 'string':
      return encodeString(part)
    case 'number':
      if (!Number.isFinite(part)) throw new TypeError(`${where} must be a finite number, got ${part}`)
      return Object.is(part, -0) ? '0' : String(part)
    case 'bigint':
      return `${part}n`
    case 'boolean':
      return part ? '!true' : '!false'
    case 'object':
      if (part === null) return '!null'
      if (part instanceof Date) {
        const time = part.getTime()
        if (Number.isNaN(time)) throw new TypeError(`${where} is an invalid Date`)
        return `@${time}`
      }
      try {
        return `~${escapeText(superjson.stringify(canonical(part, where, new Set())))}`
      } catch (error) {
        throw tooDeep(error, where) ?? error
      }
    default:
      throw new TypeError(`${where} must be a string, number, bigint, boolean, null, Date, or a plain object or array of those; got ${describeType(part)}`)
  }
}

/**
 * A RangeError naming the argument for JavaScript's "Maximum call stack size exceeded" (a
 * value or key part nested thousands deep); undefined for any other error.
 */
export function tooDeep(error: unknown, where: string): RangeError | undefined {
  if (!(error instanceof RangeError) || !/call stack/i.test(error.message)) return undefined
  return new RangeError(`${where} is nested too deeply to store (JavaScript's call stack ran out encoding it)`, { cause: error })
}

/** Reads back a part written by encodePart. */
export function decodePart(encoded: string): KeyPart {
  switch (encoded[0]) {
    case '!':
      if (encoded === '!true') return true
      if (encoded === '!false') return false
      if (encoded === '!null') return null
      break
    case '@':
      return new Date(Number(encoded.slice(1)))
    case '~':
      return superjson.parse<KeyPart>(unescapeText(encoded.slice(1)))
    case "'":
      if (encoded === "''") return ''
      break
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return encoded.endsWith('n') ? BigInt(encoded.slice(0, -1)) : Number(encoded)
    default:
      return unescapeText(encoded)
  }
  throw new TypeError(`not an encoded key part: ${JSON.stringify(encoded)}`)
}
