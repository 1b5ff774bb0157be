#!/usr/bin/env node
/**
 * redis-prefix-cache: the command-line tool (the package's `bin`). Looks inside a namespace
 * (ls, get, ttl, count, stats), changes it (del, del --all), checks and repairs it (verify),
 * and follows it live (watch). Tables on a terminal, --json for scripts; exit codes 0 (fine),
 * 1 (verify found problems), 2 (usage or connection error).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import Table from 'cli-table3'
import { SingleBar, Presets } from 'cli-progress'
import { createInterface } from 'node:readline/promises'
import { inspect } from 'node:util'
import { Cluster } from 'ioredis'
import { namespaceStats, RedisCache, superjsonSerializer, type Key, type Serializer } from '../index.js'
import { parseKey, parsePattern, showPart } from './args.js'
import { emptyHint } from './hints.js'
import { redact } from '../urls.js'

interface GlobalOptions {
  url: string
  namespace: string
  buckets: number
  bucketBy: number
  cluster?: string
  json?: boolean
  timeout: number
}

/** Stored text is read as it is: decoded for display only, so a namespace written with another serializer still shows. */
const raw: Serializer = { stringify: (value) => value as string, parse: (text) => ({ text }) }
type Raw = { text: string }

const tty = process.stdout.isTTY === true
const out = (line: string) => process.stdout.write(`${line}\n`)

class UsageError extends Error {}

function integer(name: string) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
    return n
  }
}

function open(options: GlobalOptions): RedisCache {
  const fail = { retryStrategy: () => null, connectTimeout: options.timeout, maxRetriesPerRequest: 0, enableOfflineQueue: true }
  const redis = options.cluster
    ? new Cluster(options.cluster.split(',').map((node) => {
        const [host, port] = node.split(':')
        return { host: host || '127.0.0.1', port: Number(port || 6379) }
      }), { clusterRetryStrategy: () => null, redisOptions: { connectTimeout: options.timeout } })
    : options.url
  return new RedisCache({
    redis,
    ...(options.cluster ? {} : { redisOptions: fail }),
    namespace: options.namespace,
    buckets: options.buckets,
    bucketBy: options.bucketBy,
    timeout: options.timeout,
    serializer: raw,
  })
}

/** A stored value for display: decoded with superjson when it can be, else its text. */
function decoded(text: string): unknown {
  try {
    return superjsonSerializer.parse(text)
  } catch {
    return text
  }
}

/** The JSON form of a value (superjson's `json` part: Dates as strings, Maps as arrays of pairs...). */
function jsonOf(value: unknown): unknown {
  try {
    return JSON.parse(superjsonSerializer.stringify(value)).json
  } catch {
    return String(value)
  }
}

/** A key's parts as arguments that address it again (`"user" 42n @2024-05-01T00:00:00.000Z`). */
const argsOf = (key: Key) => (Array.isArray(key) ? key : [key]).map(showPart)
const showKey = (key: Key) => argsOf(key).join(' ')
const showTtl = (ms: number | undefined) =>
  ms === undefined ? 'gone' : ms === Infinity ? 'never' : ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)}d` : ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)}h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)}m` : `${(ms / 1000).toFixed(1)}s`
const ttlJson = (ms: number | undefined) => (ms === undefined ? null : ms === Infinity ? 'never' : ms)
const short = (value: unknown, width = 60) => {
  const text = inspect(value, { depth: 3, breakLength: Infinity, colors: false })
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [] } })
  t.push(...rows)
  return t.toString()
}

function bar(label: string): SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined
  return new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, clearOnComplete: false, hideCursor: true }, Presets.shades_classic)
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

/** On stderr, why an answer may be empty when the namespace or buckets are not the store's (see hints.ts). */
async function hint(cache: RedisCache): Promise<void> {
  const text = await emptyHint(cache).catch(() => undefined)
  if (text) process.stderr.write(`hint: ${text}\n`)
}

/** Runs a command on a store opened from the global options, and closes it. */
function action<A extends unknown[]>(program: Command, run: (cache: RedisCache, options: GlobalOptions, ...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    const options = program.opts<GlobalOptions>()
    const cache = open(options)
    try {
      process.exitCode = (await run(cache, options, ...args)) ?? 0
    } finally {
      await cache.close().catch(() => cache.redis.disconnect())
      // A store quits only the clients it created from a URL or options; the Cluster client
      // is ours (open() made it), and left open it would keep the process alive.
      if (options.cluster) await cache.redis.quit().catch(() => cache.redis.disconnect())
    }
  }
}

export function program(): Command {
  const cli = new Command('redis-prefix-cache')
  cli.exitOverride()
  cli.configureOutput({ writeErr: (text) => process.stderr.write(text) })
  cli
    .description('Look inside a redis-prefix-cache namespace, follow it live, verify and repair it.')
    .addOption(new Option('--url <url>', 'Redis URL').env('REDIS_URL').default('redis://127.0.0.1:6379'))
    .option('--namespace <name>', 'the namespace (the Redis hash tag)', 'cache')
    .option('--buckets <n>', 'buckets the namespace is spread over', integer('--buckets'), 1)
    .option('--bucket-by <n>', 'leading key parts that choose a bucket', integer('--bucket-by'), 1)
    .option('--cluster <nodes>', 'a Redis Cluster: seed nodes as host:port,host:port')
    .option('--json', 'JSON output for scripts (ls: one line per record)')
    .option('--timeout <ms>', 'ms to wait for Redis', integer('--timeout'), 5000)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Keys and patterns: one argument a part. An argument that parses as JSON is that value
(42 is a number, '"42"' the string, true, null); anything else is a string. In patterns
* is ANY (one part) and ** is REST (the rest, last only); '"*"' is the literal string.

Examples:
  redis-prefix-cache --namespace sess ls user 42 session '*'
  redis-prefix-cache get user 42 session abc
  redis-prefix-cache count user '**'
  redis-prefix-cache del --all --yes user 42 '**'
  redis-prefix-cache verify --repair

Exit codes: 0 fine, 1 verify found problems (not repaired), 2 usage or connection error.`)

  cli.command('ls').description('list the records matching a pattern: key, ttl left, value size')
    .argument('<parts...>', 'the pattern').option('--values', 'show values').option('--limit <n>', 'at most this many records', integer('--limit'))
    .action(action(cli, async (cache, options, parts: string[], local: { values?: boolean; limit?: number }) => {
      const rows: Array<Array<string | number>> = []
      let n = 0
      for await (const [key, value] of cache.iterate(parsePattern(parts))) {
        if (local.limit !== undefined && n >= local.limit) break
        n++
        const text = (value as Raw).text
        const ttl = await cache.ttl(key)
        if (options.json) {
          out(JSON.stringify({ key: jsonOf(key), args: argsOf(key), ttl: ttlJson(ttl), size: Buffer.byteLength(text), ...(local.values ? { value: jsonOf(decoded(text)) } : {}) }))
        } else {
          rows.push([showKey(key), showTtl(ttl), Buffer.byteLength(text), ...(local.values ? [short(decoded(text))] : [])])
        }
      }
      if (!options.json) {
        out(table(['key', 'ttl', 'bytes', ...(local.values ? ['value'] : [])], rows))
        out(`${n} record${n === 1 ? '' : 's'}`)
      }
      if (n === 0) await hint(cache)
    }))

  cli.command('get').description('the value of one record').argument('<parts...>', 'the key')
    .action(action(cli, async (cache, options, parts: string[]) => {
      const key = parseKey(parts)
      const found = (await cache.get(key)) as Raw | undefined
      if (options.json) out(JSON.stringify(found === undefined ? null : { key: jsonOf(key), value: jsonOf(decoded(found.text)), ttl: ttlJson(await cache.ttl(key)) }))
      else out(found === undefined ? '(no such record)' : inspect(decoded(found.text), { depth: 8, colors: tty }))
      if (found === undefined) await hint(cache)
      return found === undefined ? 1 : 0
    }))

  cli.command('ttl').description('time to live of one record').argument('<parts...>', 'the key')
    .action(action(cli, async (cache, options, parts: string[]) => {
      const ttl = await cache.ttl(parseKey(parts))
      out(options.json ? JSON.stringify({ ttl: ttlJson(ttl) }) : ttl === undefined ? '(no such record)' : ttl === Infinity ? 'never expires' : `${ttl} ms (${showTtl(ttl)})`)
      if (ttl === undefined) await hint(cache)
      return ttl === undefined ? 1 : 0
    }))

  cli.command('count').description('how many live records match a pattern').argument('<parts...>', 'the pattern')
    .action(action(cli, async (cache, options, parts: string[]) => {
      const n = await cache.count(parsePattern(parts))
      out(options.json ? JSON.stringify({ count: n }) : String(n))
      if (n === 0) await hint(cache)
    }))

  cli.command('del').description('remove one record, or with --all every record matching a pattern')
    .argument('<parts...>', 'the key (with --all: the pattern)').option('--all', 'the arguments are a pattern').option('--yes', 'do not ask for confirmation')
    .action(action(cli, async (cache, options, parts: string[], local: { all?: boolean; yes?: boolean }) => {
      if (!local.all) {
        const removed = await cache.delete(parseKey(parts))
        out(options.json ? JSON.stringify({ removed: removed ? 1 : 0 }) : removed ? 'removed 1 record' : '(no such record)')
        if (!removed) await hint(cache)
        return
      }
      const pattern = parsePattern(parts)
      const total = await cache.count(pattern)
      if (!local.yes) {
        if (!process.stdin.isTTY) throw new UsageError(`del --all would remove ${total} records: pass --yes to confirm when not on a terminal`)
        if (!(await confirm(`Remove ${total} records matching ${parts.join(' ')}? [y/N] `))) {
          out('nothing removed')
          return
        }
      }
      const progress = bar('removing')
      progress?.start(total, 0)
      let removed = 0
      let batch: Key[] = []
      const flush = async () => {
        removed += await cache.deleteMany(batch)
        progress?.update(Math.min(removed, total))
        batch = []
      }
      for await (const [key] of cache.iterate(pattern, { values: false })) {
        batch.push(key)
        if (batch.length === 500) await flush()
      }
      if (batch.length > 0) await flush()
      progress?.stop()
      out(options.json ? JSON.stringify({ removed }) : `removed ${removed} record${removed === 1 ? '' : 's'}`)
      if (removed === 0) await hint(cache)
    }))

  cli.command('stats').description('records per prefix, never-expiring records, an expiry histogram, sampled memory (from the indexes, no SCAN)')
    .option('--depth <n>', 'prefix depth', integer('--depth'), 2).option('--top <n>', 'prefixes per depth', integer('--top'), 10)
    .action(action(cli, async (cache, options, local: { depth: number; top: number }) => {
      const progress = bar('reading indexes')
      let started = false
      const stats = await namespaceStats(cache, {
        depth: local.depth,
        top: local.top,
        onProgress: (seen, total) => {
          if (!started) progress?.start(total, 0)
          started = true
          progress?.update(seen)
        },
      })
      progress?.stop()
      if (stats.records === 0) await hint(cache)
      if (options.json) {
        out(JSON.stringify(stats))
        return
      }
      out(table(['records', 'never expire', 'bytes per record (sampled)', 'estimated bytes'], [[stats.records, stats.neverExpire, stats.memory.bytesPerRecord, stats.memory.estimatedBytes]]))
      out(table(['expiring within', 'records'], stats.expiringWithin.map((h) => [h.within, h.records])))
      for (const level of stats.prefixes) {
        out(table([`prefix (depth ${level.depth}, ${level.distinct} in all)`, 'records'], level.top.map((p) => [p.prefix.map((part) => JSON.stringify(jsonOf(part))).join(' '), p.records])))
      }
    }))

  cli.command('verify').description('check that values and indexes agree; --repair fixes what is found')
    .option('--repair', 'repair what is found').option('--count <n>', 'keys per SCAN page', integer('--count'), 500)
    .action(action(cli, async (cache, options, local: { repair?: boolean; count: number }) => {
      const progress = bar(local.repair ? 'verifying and repairing' : 'verifying')
      const keys = progress ? await Promise.all((cache.redis instanceof Cluster ? cache.redis.nodes('master') : [cache.redis]).map((node) => node.dbsize())) : []
      progress?.start(keys.reduce((a, b) => a + b, 0), 0)
      const report = await cache.verify({ repair: local.repair === true, count: local.count, onProgress: (n) => progress?.update(n) })
      progress?.update(report.keysChecked)
      progress?.stop()
      if (options.json) out(JSON.stringify(report))
      else {
        out(table(['keys checked', 'orphan index entries', 'missing index entries', 'index expiries off', 'repaired'], [[report.keysChecked, report.orphanEntries.length, report.missingEntries.length, report.indexExpiry.length, report.repaired && !report.ok ? 'yes' : 'no']]))
        for (const warning of report.warnings) out(`warning: ${warning}`)
        out(report.ok ? 'ok: values and indexes agree' : report.repaired ? 'problems found and repaired' : 'problems found: run verify --repair to fix them')
      }
      if (report.keysChecked === 0) await hint(cache)
      return report.ok || report.repaired ? 0 : 1
    }))

  cli.command('watch').description('a live view of the records matching a pattern, refreshed every second (JSON lines of changes when not on a terminal)')
    .argument('<parts...>', 'the pattern').option('--interval <ms>', 'refresh interval', integer('--interval'), 1000).option('--limit <n>', 'records shown at most', integer('--limit'), 1000)
    .action(action(cli, async (cache, options, parts: string[], local: { interval: number; limit: number }) => {
      const pattern = parsePattern(parts)
      const live = tty && !options.json
      let previous = new Map<string, string>()
      let stop = false
      const done = new Promise<void>((resolve) => process.once('SIGINT', () => { stop = true; resolve() }))
      if (live && process.stdin.isTTY) {
        process.stdin.setRawMode(true)
        process.stdin.resume()
        process.stdin.on('data', (data) => { if (data.toString() === 'q' || data[0] === 3) process.emit('SIGINT') })
      }
      while (!stop) {
        const current = new Map<string, string>()
        const rows: Array<Array<string | number>> = []
        for await (const [key, value] of cache.iterate(pattern)) {
          if (current.size >= local.limit) break
          const id = JSON.stringify(jsonOf(key))
          const text = (value as Raw).text
          current.set(id, text)
          if (live) rows.push([showKey(key), showTtl(await cache.ttl(key)), short(decoded(text), 50)])
        }
        if (live) {
          process.stdout.write('\x1b[2J\x1b[H')
          out(`redis-prefix-cache watch ${parts.join(' ')}  ${current.size} record${current.size === 1 ? '' : 's'}  ${new Date().toISOString()}  (q to quit)`)
          out(table(['key', 'ttl', 'value'], rows))
        } else {
          const at = new Date().toISOString()
          for (const [id, text] of current) {
            const before = previous.get(id)
            if (before === undefined) out(JSON.stringify({ at, event: 'added', key: JSON.parse(id), value: jsonOf(decoded(text)) }))
            else if (before !== text) out(JSON.stringify({ at, event: 'changed', key: JSON.parse(id), value: jsonOf(decoded(text)) }))
          }
          for (const id of previous.keys()) if (!current.has(id)) out(JSON.stringify({ at, event: 'removed', key: JSON.parse(id) }))
        }
        previous = current
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, local.interval))])
      }
      if (live && process.stdin.isTTY) process.stdin.setRawMode(false)
      process.stdin.pause()
    }))
  return cli
}

export async function main(argv: string[]): Promise<number> {
  const cli = program()
  // `npx redis-prefix-cache -- --json ls ...`: the `--` that keeps an older npm from taking
  // the options for its own reaches us with npm 11; it ends nothing here.
  if (argv[2] === '--') argv = [...argv.slice(0, 2), ...argv.slice(3)]
  try {
    await cli.parseAsync(argv)
    return Number(process.exitCode ?? 0)
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2
    }
    const message = redact(error instanceof Error ? error.message : String(error))
    if (error instanceof UsageError || error instanceof TypeError || error instanceof RangeError) {
      process.stderr.write(`error: ${message}\n`)
    } else {
      const where = redact(cli.opts<GlobalOptions>().cluster ?? cli.opts<GlobalOptions>().url)
      process.stderr.write(`error: ${redact(message)}\n(is Redis running at ${where}? pass --url or --cluster, or set REDIS_URL)\n`)
    }
    return 2
  }
}

process.exitCode = await main(process.argv)
