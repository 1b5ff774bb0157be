/**
 * The order of keys in all() results: part by part, a key that is a prefix of another first.
 * Between types: null < false < true < numbers and bigints < Dates < strings < arrays <
 * objects. Numbers and bigints compare by value (a number before a bigint of equal value),
 * Dates by time, strings by UTF-16 code unit, arrays part by part, objects by their encoding
 * (entries sorted by name).
 */
import { encodePart, type KeyPart } from './parts.js'

function rank(part: KeyPart): number {
  switch (typeof part) {
    case 'boolean':
      return part ? 2 : 1
    case 'number':
    case 'bigint':
      return 3
    case 'string':
      return 5
    default:
      if (part === null) return 0
      if (part instanceof Date) return 4
      return Array.isArray(part) ? 6 : 7
  }
}

function compareValues<T extends number | bigint | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Compares two key parts. */
export function compareParts(a: KeyPart, b: KeyPart): number {
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  switch (ra) {
    case 3: {
      const byValue = compareValues(a as number | bigint, b as number | bigint)
      if (byValue !== 0) return byValue
      return (typeof a === 'bigint' ? 1 : 0) - (typeof b === 'bigint' ? 1 : 0)
    }
    case 4:
      return compareValues((a as Date).getTime(), (b as Date).getTime())
    case 5:
      return compareValues(a as string, b as string)
    case 6:
      return compareKeys(a as readonly KeyPart[], b as readonly KeyPart[])
    case 7:
      return compareValues(encodePart(a, 'a'), encodePart(b, 'b'))
    default:
      return 0
  }
}

/** Compares two keys given as arrays of parts. */
export function compareKeys(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = compareParts(a[i] as KeyPart, b[i] as KeyPart)
    if (c !== 0) return c
  }
  return a.length - b.length
}
