/**
 * Values: how a record's value becomes the string stored in Redis and back.
 *
 * The default serializer is superjson: JSON text that also keeps Date, Map, Set, bigint,
 * RegExp, URL, undefined inside objects, and repeated or circular references; ours adds
 * Buffer, ArrayBuffer and every typed array (Buffer and ArrayBuffer as base64). Reading it
 * never runs code and never sets a prototype of the caller's choosing. A value must come
 * back exactly as it was written, or not be stored at all: so the default serializer
 * refuses, with a TypeError naming where it sits in the value, what superjson would write
 * as something else (a function or symbol as absent; a class instance, Error, WeakMap,
 * Promise or DataView as a plain object or worse).
 */
import { SuperJSON } from 'superjson'
import { CacheDecodeError } from './errors.js'
import type { Operation } from './operations.js'
import { RESERVED_NAMES, tooDeep } from './parts.js'

export interface Serializer {
  stringify(value: unknown): string
  parse(text: string): unknown
}

/** Our own superjson instance: the default's rules, plus the binary types. */
const values = new SuperJSON()
values.registerCustom<Buffer, string>(
  { isApplicable: (v): v is Buffer => Buffer.isBuffer(v), serialize: (v) => v.toString('base64'), deserialize: (v) => Buffer.from(v, 'base64') },
  'Buffer',
)
values.registerCustom<ArrayBuffer, string>(
  {
    isApplicable: (v): v is ArrayBuffer => v instanceof ArrayBuffer,
    serialize: (v) => Buffer.from(v).toString('base64'),
    deserialize: (v) => new Uint8Array(Buffer.from(v, 'base64')).buffer,
  },
  'ArrayBuffer',
)
values.registerCustom<BigInt64Array, string[]>(
  { isApplicable: (v): v is BigInt64Array => v instanceof BigInt64Array, serialize: (v) => Array.from(v, String), deserialize: (v) => BigInt64Array.from(v, BigInt) },
  'BigInt64Array',
)
values.registerCustom<BigUint64Array, string[]>(
  { isApplicable: (v): v is BigUint64Array => v instanceof BigUint64Array, serialize: (v) => Array.from(v, String), deserialize: (v) => BigUint64Array.from(v, BigInt) },
  'BigUint64Array',
)
// superjson writes typed arrays as JSON arrays of numbers, losing -0 and NaN in float arrays.
for (const Float of [Float32Array, Float64Array]) {
  values.registerCustom<Float32Array | Float64Array, string[]>(
    {
      isApplicable: (v): v is Float32Array | Float64Array => v instanceof Float,
      serialize: (v) => Array.from(v, (n) => (Object.is(n, -0) ? '-0' : String(n))),
      deserialize: (v) => Float.from(v.map(Number)),
    },
    Float.name,
  )
}

/** Objects stored by what they are, not by their entries: their contents are not walked. */
function isOpaque(value: object): boolean {
  return value instanceof Date || value instanceof RegExp || value instanceof URL || value instanceof ArrayBuffer || ArrayBuffer.isView(value)
}

function unsupported(value: object): string | undefined {
  if (value instanceof DataView) return 'a DataView'
  if (value instanceof Error) return `an ${value.constructor.name} (superjson keeps only its name and message)`
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) return `a ${value.constructor.name}`
  if (value instanceof Promise) return 'a Promise'
  if (value instanceof Map || value instanceof Set || Array.isArray(value) || isOpaque(value)) return undefined
  const proto = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) return undefined
  const name = typeof proto?.constructor === 'function' && proto.constructor.name ? proto.constructor.name : 'an unknown class'
  return `an instance of ${name} (it would come back as a plain object, without its prototype)`
}

function findUnstorable(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (typeof value === 'function') return `${path} is a function`
  if (typeof value === 'symbol') return `${path} is a symbol`
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined
  seen.add(value)
  const what = unsupported(value)
  if (what) return `${path} is ${what}`
  if (isOpaque(value)) return undefined
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

/**
 * Whether superjson would write the value as plain JSON with no meta: strings, booleans,
 * null, finite numbers other than -0, and dense arrays and plain objects of those, with no
 * object reached twice (superjson records repeated references in its meta). Then its output
 * is exactly `{"json":` + JSON.stringify(value) + `}` (test/values.test.ts checks this on
 * random values), at a fraction of the cost.
 */
function isPlainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    case 'object': {
      if (value === null) return true
      if (seen.has(value)) return false
      seen.add(value)
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i], seen)) return false
        return true
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false
      for (const name in value) {
        if (!Object.hasOwn(value, name) || !isPlainJson((value as Record<string, unknown>)[name], seen)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** superjson's own output for any storable value (the slow path; exported for the tests). */
export function superjsonStringify(value: unknown): string {
  return values.stringify(value)
}

export const superjsonSerializer: Serializer = {
  stringify(value: unknown): string {
    const found = findUnstorable(value, 'value', new Set())
    if (found) throw new TypeError(`${found}, which cannot be stored`)
    return isPlainJson(value, new Set()) ? `{"json":${JSON.stringify(value)}}` : values.stringify(value)
  },
  parse(text: string): unknown {
    // superjson.parse is deserialize(JSON.parse(text)), whose first step deep-copies the
    // payload's json. Without meta (plain JSON, as stringify writes it: {"json":...}) that
    // copy is all it does, of objects JSON.parse has just made: skipped.
    const payload = JSON.parse(text) as { json?: unknown; meta?: unknown } | null
    if (payload !== null && typeof payload === 'object' && payload.meta === undefined) return payload.json
    return values.deserialize(payload as Parameters<typeof values.deserialize>[0])
  },
}

/** Serializes a value, refusing undefined and anything the serializer cannot write. */
export function serializeValue(serializer: Serializer, value: unknown, name = 'value'): string {
  if (value === undefined) throw new TypeError(`${name} must not be undefined: get() answers undefined for a missing record`)
  let text: unknown
  try {
    text = serializer.stringify(value)
  } catch (error) {
    const deep = tooDeep(error, name)
    if (deep) throw deep
    if (name === 'value' || !(error instanceof Error)) throw error
    throw new (error instanceof TypeError ? TypeError : Error)(`${name}: ${error.message}`, { cause: error })
  }
  if (typeof text !== 'string') throw new TypeError(`serializer.stringify returned ${typeof text} for ${name}, not a string`)
  return text
}

/** What Codec.listed answers for a listed record that cannot be decoded. */
export const UNREADABLE: unique symbol = Symbol('unreadable')

/**
 * A store's serializer, checked once, with how its failures are reported: a value that
 * cannot be read is a CacheDecodeError naming the call and the record.
 */
export class Codec {
  readonly #serializer: Serializer

  constructor(
    serializer: unknown,
    /** Where a skipped record's error goes (the store's 'error' event). */
    private readonly report: (error: CacheDecodeError) => void,
  ) {
    const s = serializer as Partial<Serializer> | undefined
    if (typeof s?.stringify !== 'function' || typeof s.parse !== 'function') {
      throw new TypeError('options.serializer must have stringify(value) and parse(text) methods')
    }
    this.#serializer = s as Serializer
  }

  encode(value: unknown, name?: string): string {
    return serializeValue(this.#serializer, value, name)
  }

  /** `key`: the call's key or pattern; `record`: the key of the record read. */
  decode(operation: Operation, key: unknown, record: unknown, text: string): unknown {
    try {
      return this.#serializer.parse(text)
    } catch (error) {
      throw new CacheDecodeError(operation, key, record, error)
    }
  }

  /** A stored text or nothing: undefined for nothing. */
  decodeOrUndefined(operation: Operation, key: unknown, record: unknown, text: string | null | undefined): unknown {
    return text === null || text === undefined ? undefined : this.decode(operation, key, record, text)
  }

  /**
   * A listed record's value, or UNREADABLE: one unreadable record does not make its whole
   * prefix unreadable: it is skipped and reported; get() of its key still rejects.
   */
  listed(operation: Operation, pattern: unknown, record: unknown, text: string): unknown {
    try {
      return this.decode(operation, pattern, record, text)
    } catch (error) {
      this.report(error as CacheDecodeError)
      return UNREADABLE
    }
  }
}
