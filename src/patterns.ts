/**
 * Patterns for all, iterate and deleteAll, with the matching semantics of Pow's ETS backend:
 *
 * - `ANY` alone, or `[ANY]`, matches every single-part key, and only those.
 * - An array pattern matches keys with exactly as many parts, part by part; `ANY` matches
 *   any one part at any position.
 * - `REST`, only as the last element, matches one or more further parts.
 *
 * A pattern is answered from the index of its longest concrete prefix: the parts before the
 * first wildcard. What follows the prefix is handed to Lua as a list of encoded parts, the
 * empty string standing for `ANY` (no part encodes to the empty string).
 */
import type { KeyPart } from './parts.js'
import { describeType, encodePart } from './parts.js'
import { checkKeySize } from './limits.js'
import { ANY, REST, type Any, type Rest } from './wildcards.js'

/** One element of a pattern before its last: a key part or `ANY`. */
export type PatternPart = KeyPart | Any

/** A pattern: `ANY`, or a non-empty array of parts and `ANY`s, `REST` last if at all. */
export type Pattern = Any | readonly [PatternPart, ...PatternPart[]] | readonly [...PatternPart[], PatternPart | Rest]

export interface CompiledPattern {
  /** Encoded parts before the first wildcard: the index that answers the pattern. */
  readonly prefix: readonly string[]
  /** Encoded parts after the prefix; '' stands for ANY. */
  readonly tail: readonly string[]
  /** Whether the pattern ends with REST (one or more further parts). */
  readonly rest: boolean
  /** A pattern without wildcards names exactly one key: the prefix. */
  readonly exact: boolean
}

export function compilePattern(pattern: unknown, name = 'pattern'): CompiledPattern {
  if (pattern === ANY) return { prefix: [], tail: [''], rest: false, exact: false }
  if (!Array.isArray(pattern)) {
    throw new TypeError(`${name} must be ANY or an array of key parts and wildcards, got ${pattern === REST ? 'REST alone (write [REST])' : describeType(pattern)}`)
  }
  if (pattern.length === 0) throw new TypeError(`${name} must have at least one element, got an empty array`)
  const prefix: string[] = []
  const tail: string[] = []
  let rest = false
  for (let i = 0; i < pattern.length; i++) {
    const element: unknown = pattern[i]
    if (element === REST) {
      if (i !== pattern.length - 1) throw new TypeError(`${name}[${i}] is REST, which is allowed only as the last element`)
      rest = true
    } else if (element === ANY) {
      tail.push('')
    } else {
      if (element === undefined) throw new TypeError(`${name}[${i}] must be a key part or a wildcard, got undefined`)
      const encoded = encodePart(element, `${name}[${i}]`)
      if (tail.length === 0) prefix.push(encoded)
      else tail.push(encoded)
    }
  }
  checkKeySize([...prefix, ...tail], name)
  return { prefix, tail, rest, exact: !rest && tail.length === 0 }
}
