/**
 * How the CLI shows what it reads: stored text decoded for display, keys as arguments,
 * ttls, tables and progress bars (only on a terminal), and the confirmation prompt.
 */
import Table from 'cli-table3'
import { SingleBar, Presets } from 'cli-progress'
import { createInterface } from 'node:readline/promises'
import { inspect } from 'node:util'
import { superjsonSerializer, type Key, type Serializer } from '../index.js'
import { showPart } from './args.js'

/** Stored text is read as it is: decoded for display only, so a namespace written with another serializer still shows. */
export const raw: Serializer = { stringify: (value) => value as string, parse: (text) => ({ text }) }
export type Raw = { text: string }

export const tty = process.stdout.isTTY === true
export const out = (line: string) => process.stdout.write(`${line}\n`)

/** A stored value for display: decoded with superjson when it can be, else its text. */
export function decoded(text: string): unknown {
  try {
    return superjsonSerializer.parse(text)
  } catch {
    return text
  }
}

/** The JSON form of a value (superjson's `json` part: Dates as strings, Maps as arrays of pairs...). */
export function jsonOf(value: unknown): unknown {
  try {
    return JSON.parse(superjsonSerializer.stringify(value)).json
  } catch {
    return String(value)
  }
}

/** A key's parts as arguments that address it again (`"user" 42n @2024-05-01T00:00:00.000Z`). */
export const argsOf = (key: Key) => (Array.isArray(key) ? key : [key]).map(showPart)
export const showKey = (key: Key) => argsOf(key).join(' ')
export const showTtl = (ms: number | undefined) =>
  ms === undefined
    ? 'gone'
    : ms === Infinity
      ? 'never'
      : ms >= 86_400_000
        ? `${(ms / 86_400_000).toFixed(1)}d`
        : ms >= 3_600_000
          ? `${(ms / 3_600_000).toFixed(1)}h`
          : ms >= 60_000
            ? `${(ms / 60_000).toFixed(1)}m`
            : `${(ms / 1000).toFixed(1)}s`
export const ttlJson = (ms: number | undefined) => (ms === undefined ? null : ms === Infinity ? 'never' : ms)
export const short = (value: unknown, width = 60) => {
  const text = inspect(value, { depth: 3, breakLength: Infinity, colors: false })
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [] } })
  t.push(...rows)
  return t.toString()
}

export function bar(label: string): SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined
  return new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, clearOnComplete: false, hideCursor: true }, Presets.shades_classic)
}

export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}
