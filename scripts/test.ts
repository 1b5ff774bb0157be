/**
 * Runs the uvu tests of one leg of the test matrix: a target (a single Redis, or the shared
 * Redis Cluster with 1 or 64 buckets) and a client (ioredis, node-redis 5 or 6, iovalkey, Valkey GLIDE). Each test
 * file says in its own lines which legs it runs on, so that no list of file names lives
 * anywhere else (a renamed file keeps its legs):
 *
 *   // test-targets: single cluster          (single: also a file that starts its own servers)
 *   // test-clients: ioredis node-redis5 node-redis6 iovalkey glide
 *
 * A file without both lines, or with a word not listed here, fails the run.
 *
 *   tsx scripts/test.ts [--target single|cluster] [--buckets N] [--client ioredis|node-redis5|node-redis6|iovalkey|glide] [--list]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export const TARGETS = ['single', 'cluster'] as const
export const CLIENTS = ['ioredis', 'node-redis5', 'node-redis6', 'iovalkey', 'glide'] as const
export type Target = (typeof TARGETS)[number]
export type Client = (typeof CLIENTS)[number]

export interface Needs {
  readonly targets: readonly Target[]
  readonly clients: readonly Client[]
}

const TEST_DIR = fileURLToPath(new URL('../test/', import.meta.url))

/** Every uvu test file under test/, relative to it, sorted. */
export function testFiles(dir = TEST_DIR): string[] {
  const found: string[] = []
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.test.ts')) found.push(relative(dir, path))
    }
  }
  walk(dir)
  return found.sort()
}

/** What a test file says it needs (its test-targets and test-clients lines). */
export function needsOf(text: string, file: string): Needs {
  const line = <T extends string>(tag: string, words: readonly T[]): T[] => {
    const found = text.match(new RegExp(`^// ${tag}: (.*)$`, 'm'))
    if (!found) throw new Error(`test/${file} has no "// ${tag}: ..." line (one of: ${words.join(' ')})`)
    const listed = (found[1] as string).trim().split(/\s+/)
    for (const word of listed) {
      if (!(words as readonly string[]).includes(word)) throw new Error(`test/${file}: "${word}" in its ${tag} line is none of: ${words.join(' ')}`)
    }
    return listed as T[]
  }
  return { targets: line('test-targets', TARGETS), clients: line('test-clients', CLIENTS) }
}

/** The test files of one leg. */
export function filesOf(target: Target, client: Client, dir = TEST_DIR): string[] {
  return testFiles(dir).filter((file) => {
    const needs = needsOf(readFileSync(join(dir, file), 'utf8'), file)
    return needs.targets.includes(target) && needs.clients.includes(client)
  })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'single' },
      buckets: { type: 'string', default: '1' },
      client: { type: 'string', default: 'ioredis' },
      list: { type: 'boolean', default: false },
    },
  })
  const target = values.target as Target
  const client = values.client as Client
  if (!TARGETS.includes(target)) throw new Error(`--target must be one of ${TARGETS.join(', ')}`)
  if (!CLIENTS.includes(client)) throw new Error(`--client must be one of ${CLIENTS.join(', ')}`)
  if (!/^[1-9]\d*$/.test(values.buckets)) throw new Error('--buckets must be a positive integer')
  const files = filesOf(target, client)
  if (values.list) {
    process.stdout.on('error', () => undefined) // a reader that closed early (| head)
    console.log(files.join('\n'))
  } else {
    console.log(`tests: target ${target}${target === 'cluster' ? ` (${values.buckets} buckets)` : ''}, client ${client}: ${files.length} files`)
    process.env.TEST_TARGET = target
    process.env.TEST_BUCKETS = values.buckets
    process.env.TEST_CLIENT = client
    const { run } = (await import('uvu/run')) as { run(suites: Array<{ name: string; file: string }>, options: { bail?: boolean }): Promise<void> }
    await run(
      files.map((name) => ({ name, file: join(TEST_DIR, name) })),
      { bail: false },
    )
    // Done: a handle a test left open (a GLIDE client's socket to its Rust core, say) must not
    // keep the leg running after its summary. uvu has set process.exitCode on a failure.
    process.exit()
  }
}
