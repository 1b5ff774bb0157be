/**
 * Keys and patterns on the command line: one argument a part. An argument that parses as
 * JSON is that value (`42` a number, `'"42"'` the string, `true`, `null`, `[1,2]`);
 * otherwise it is the string as typed. In a pattern `*` is ANY and `**` is REST; `'"*"'` is
 * the literal string.
 */
import { ANY, REST, type Key, type KeyPart, type Pattern } from '../index.js'

export function parsePart(arg: string): KeyPart {
  try {
    return JSON.parse(arg) as KeyPart
  } catch {
    return arg
  }
}

export function parseKey(args: readonly string[]): Key {
  if (args.length === 0) throw new TypeError('a key needs at least one part')
  return args.map(parsePart)
}

export function parsePattern(args: readonly string[]): Pattern {
  if (args.length === 0) throw new TypeError('a pattern needs at least one part (`**` lists everything)')
  return args.map((arg) => (arg === '*' ? ANY : arg === '**' ? REST : parsePart(arg))) as unknown as Pattern
}
