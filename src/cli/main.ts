/**
 * redis-prefix-cache: the command-line tool. Looks inside a namespace (ls, get, ttl, count,
 * stats), changes it (del, del --all), checks and repairs it (verify), and follows it live
 * (watch); one command a file in commands/. Tables on a terminal, --json for scripts; exit
 * codes 0 (fine), 1 (verify found problems), 2 (usage or connection error). bin.ts runs it;
 * importing this module runs nothing, so tests can call program() and main() in-process.
 */
import { Command, CommanderError, Option } from 'commander'
import { RedisCacheError } from '../errors.js'
import { redact } from '../urls.js'
import { lsCommand } from './commands/ls.js'
import { getCommand } from './commands/get.js'
import { ttlCommand } from './commands/ttl.js'
import { countCommand } from './commands/count.js'
import { delCommand } from './commands/del.js'
import { statsCommand } from './commands/stats.js'
import { verifyCommand } from './commands/verify.js'
import { watchCommand } from './commands/watch.js'
import { integer, UsageError, type GlobalOptions } from './run.js'

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
    .addHelpText(
      'after',
      `
Keys and patterns: one argument a part. An argument that parses as JSON is that value
(42 is a number, '"42"' the string, true, null), 42n a bigint, @2024-05-01T12:00:00.000Z
a Date; anything else is a string. Keys print in the same syntax. In patterns * is ANY
(one part) and ** is REST (the rest, last only); '"*"' is the literal string. Options may
follow the command; through npx: npx redis-prefix-cache -- --json ls '**'.

Examples:
  redis-prefix-cache --namespace sess ls user 42 session '*'
  redis-prefix-cache get user 42 session abc
  redis-prefix-cache count user '**'
  redis-prefix-cache del --all --yes user 42 '**'
  redis-prefix-cache verify --repair

Exit codes: 0 fine, 1 verify found problems (not repaired), 2 usage or connection error.`,
    )
  lsCommand(cli)
  getCommand(cli)
  ttlCommand(cli)
  countCommand(cli)
  delCommand(cli)
  statsCommand(cli)
  verifyCommand(cli)
  watchCommand(cli)
  return cli
}

/**
 * When the reader of stdout goes away (`redis-prefix-cache ls '**' | head -1`), the CLI ends
 * at once with status 0, as a Unix tool does, instead of an unhandled EPIPE error (status 1,
 * which means "verify found problems"). Set up by bin.ts: it is a process-wide choice.
 */
export function endQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(0)
    throw error
  })
}

/** The command as the user typed it (options and arguments after the program), quoted where a shell would need it. */
function typed(argv: readonly string[]): string {
  return argv
    .slice(2)
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`))
    .join(' ')
}

/** Words of a failure that mean the credentials, not the address, are wrong. */
const AUTH_FAILED = /\b(WRONGPASS|NOAUTH|NOPERM)\b|invalid username-password/i

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
    // A store call's error names the call as the library made it (iterate([ 'user', Symbol(...REST) ])):
    // the user typed a command, so that is what the line names, with Redis's own words after it.
    const cause = error instanceof RedisCacheError && error.cause instanceof Error ? error.cause.message : undefined
    const message = redact(cause !== undefined ? `${typed(argv)} failed: ${cause}` : error instanceof Error ? error.message : String(error))
    if (error instanceof UsageError || error instanceof TypeError || error instanceof RangeError) {
      process.stderr.write(`error: ${message}\n`)
    } else {
      const where = redact(cli.opts<GlobalOptions>().cluster ?? cli.opts<GlobalOptions>().url)
      const hint = AUTH_FAILED.test(message)
        ? `Redis at ${where} refused the credentials or the user's rights: check the user and password in --url or REDIS_URL`
        : `is Redis running at ${where}? pass --url or --cluster, or set REDIS_URL`
      process.stderr.write(`error: ${message}\n(${hint})\n`)
    }
    return 2
  }
}
