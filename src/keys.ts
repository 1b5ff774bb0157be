/**
 * Keys: a record's key is one part or an array of parts. `'abc'` and `['abc']` name the
 * same record. This module checks a key given by a caller and turns it into encoded parts,
 * and turns encoded parts back into the key in the shape it was written.
 */
import { decodePart, describeType, encodePart, encodeString, type KeyPart } from './parts.js'
import { checkKeySize } from './limits.js'
import { ANY, REST } from './wildcards.js'

/** A record's key: one part, or an array of one or more parts. */
export type Key = KeyPart | readonly KeyPart[]

function checkNotWildcard(part: unknown, where: string): void {
  if (part === ANY || part === REST) {
    throw new TypeError(`${where} is ${part === ANY ? 'ANY' : 'REST'}: wildcards belong in patterns (all, iterate, deleteAll), not in keys`)
  }
}

/** The encoded parts of a key; throws a TypeError naming `name` for a key that is not allowed. */
export function encodeKey(key: unknown, name = 'key'): string[] {
  if (!Array.isArray(key)) {
    if (key === undefined) throw new TypeError(`${name} must be a key part or an array of parts, got undefined`)
    checkNotWildcard(key, name)
    const parts = [encodePart(key, name)]
    checkKeySize(parts, name)
    return parts
  }
  if (key.length === 0) throw new TypeError(`${name} must have at least one part, got an empty array`)
  const parts = new Array<string>(key.length)
  for (let i = 0; i < key.length; i++) {
    const part: unknown = key[i]
    // The per-request path: a string part is encoded at once, with no name made for an error it cannot raise.
    parts[i] = typeof part === 'string' ? encodeString(part) : encodeOther(part, name, i)
  }
  checkKeySize(parts, name)
  return parts
}

/** A part that is not a string, checked and encoded (encodePart), its errors naming `name[i]`. */
function encodeOther(part: unknown, name: string, i: number): string {
  // A finite number or null (a Keyv key without a namespace) cannot fail: no name is made for it.
  if ((typeof part === 'number' && Number.isFinite(part)) || part === null) return encodePart(part, '')
  if (part === undefined) throw new TypeError(`${name}[${i}] must be a key part, got ${describeType(part)}`)
  checkNotWildcard(part, `${name}[${i}]`)
  return encodePart(part, `${name}[${i}]`)
}

/** The decoded parts of a stored key. */
/** Many keys (getMany, deleteMany), each checked and encoded, named by its position. */
export function encodeKeys(keys: unknown): string[][] {
  if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of keys, got ${typeof keys}`)
  return keys.map((key, i) => encodeKey(key, `keys[${i}]`))
}

export function decodeParts(parts: readonly string[]): KeyPart[] {
  return parts.map(decodePart)
}

/**
 * A key in the shape it was written: a single-part key is the bare part, unless that part
 * is itself an array (returned bare, it would read as a key of several parts).
 */
export function keyFromParts(parts: KeyPart[]): Key {
  const [first] = parts
  return parts.length === 1 && !Array.isArray(first) ? (first as KeyPart) : parts
}
