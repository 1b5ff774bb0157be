/**
 * Keys and patterns on the command line: one argument a part, and how the CLI prints a part
 * so that it can be typed back. An argument that parses as JSON is that value (`42` a
 * number, `'"42"'` the string, `true`, `null`, `[1,2]`); `42n` is a bigint and `@` followed
 * by an ISO date (`@2024-05-01T12:00:00.000Z`) is a Date; anything else is the string as
 * typed. In a pattern `*` is ANY and `**` is REST; `'"*"'` is the literal string.
 */
import { ANY, REST, type Key, type KeyPart, type Pattern } from '../index.js'

const BIGINT = /^-?\d+n$/
const DATE = /^@\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/

export function parsePart(arg: string): KeyPart {
  if (BIGINT.test(arg)) return BigInt(arg.slice(0, -1))
  if (DATE.test(arg)) {
    const date = new Date(arg.slice(1))
    if (!Number.isNaN(date.getTime())) return date
  }
  try {
    return JSON.parse(arg) as KeyPart
  } catch {
    return arg
  }
}

/** A key part as the CLI prints it, in the syntax parsePart reads back: `"user"`, `42`, `42n`, `@2024-...Z`. */
export function showPart(part: KeyPart): string {
  if (typeof part === 'bigint') return `${part}n`
  if (part instanceof Date) return `@${part.toISOString()}`
  return JSON.stringify(part, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value))
}

export function parseKey(args: readonly string[]): Key {
  if (args.length === 0) throw new TypeError('a key needs at least one part')
  return args.map(parsePart)
}

export function parsePattern(args: readonly string[]): Pattern {
  if (args.length === 0) throw new TypeError('a pattern needs at least one part (`**` lists everything)')
  return args.map((arg) => (arg === '*' ? ANY : arg === '**' ? REST : parsePart(arg))) as unknown as Pattern
}
