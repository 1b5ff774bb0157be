/**
 * Values: how a record's value becomes the string stored in Redis and back.
 *
 * The default serializer is superjson: JSON text that also keeps Date, Map, Set, bigint,
 * RegExp, undefined inside objects, and repeated or circular references. Reading it never
 * runs code and never sets a prototype. superjson writes a function or a symbol as if it
 * were absent, so the default serializer refuses them instead: a value that cannot be
 * stored whole is not stored at all.
 */
import superjson from 'superjson'
import { RESERVED_NAMES } from './parts.js'

export interface Serializer {
  stringify(value: unknown): string
  parse(text: string): unknown
}

function findUnstorable(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (typeof value === 'function') return `${path} is a function`
  if (typeof value === 'symbol') return `${path} is a symbol`
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined
  seen.add(value)
  if (value instanceof Map) {
    let i = 0
    for (const [k, v] of value) {
      const found = findUnstorable(k, `${path} (Map key ${i})`, seen) ?? findUnstorable(v, `${path}.get(${i})`, seen)
      if (found) return found
      i++
    }
    return undefined
  }
  if (value instanceof Set) {
    let i = 0
    for (const v of value) {
      const found = findUnstorable(v, `${path} (Set entry ${i++})`, seen)
      if (found) return found
    }
    return undefined
  }
  if (Object.getOwnPropertySymbols(value).some((s) => Object.prototype.propertyIsEnumerable.call(value, s))) {
    return `${path} has a symbol-named property`
  }
  for (const name of Object.keys(value)) {
    if (RESERVED_NAMES.has(name)) return `${path} has an entry named '${name}', which superjson refuses (a prototype pollution guard)`
    const found = findUnstorable((value as Record<string, unknown>)[name], Array.isArray(value) ? `${path}[${name}]` : `${path}.${name}`, seen)
    if (found) return found
  }
  return undefined
}

export const superjsonSerializer: Serializer = {
  stringify(value: unknown): string {
    const found = findUnstorable(value, 'value', new Set())
    if (found) throw new TypeError(`${found}, which cannot be stored`)
    return superjson.stringify(value)
  },
  parse(text: string): unknown {
    return superjson.parse(text)
  },
}

/** Serializes a value, refusing undefined and anything the serializer cannot write. */
export function serializeValue(serializer: Serializer, value: unknown, name = 'value'): string {
  if (value === undefined) throw new TypeError(`${name} must not be undefined: get() answers undefined for a missing record`)
  let text: unknown
  try {
    text = serializer.stringify(value)
  } catch (error) {
    if (name === 'value' || !(error instanceof Error)) throw error
    throw new (error instanceof TypeError ? TypeError : Error)(`${name}: ${error.message}`, { cause: error })
  }
  if (typeof text !== 'string') throw new TypeError(`serializer.stringify returned ${typeof text} for ${name}, not a string`)
  return text
}
