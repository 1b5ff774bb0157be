/**
 * The CLI (the package's bin, dist/cli/bin.js) as a real subprocess against a real Redis
 * (and on the cluster suite, through --cluster): every command, its output and exit code,
 * bad input, Redis down, and that read commands write nothing. One test drives `watch` and
 * a `verify` progress bar in a real terminal (tmux send-keys / capture-pane).
 */
// test-targets: single cluster
// test-clients: ioredis
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import * as assert from 'uvu/assert'
import { REST as REST_, type RedisCache } from '../../src/index.js'
import { BUCKETS, onSingle, redisSuite, sleep, snapshot, TARGET, type Context } from '../helpers.js'

const test = redisSuite('cli')
const bin = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** The options that point the CLI at the suite's Redis (or cluster, with its buckets). */
function targetOf(ctx: Context): string[] {
  return TARGET === 'cluster' ? ['--cluster', `127.0.0.1:${ctx.server.port}`, '--buckets', String(BUCKETS), '--bucket-by', '2'] : ['--url', ctx.server.url]
}

function cli(ctx: Context, args: string[], input?: string): Promise<Run> {
  const target = targetOf(ctx)
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...target, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    if (input !== undefined) child.stdin?.end(input)
    else child.stdin?.end()
  })
}

async function fill(ctx: Context): Promise<RedisCache> {
  const store = ctx.cache({ ttl: 3_600_000, buckets: BUCKETS, bucketBy: 2 })
  for (let u = 1; u <= 3; u++) for (let s = 0; s < u; s++) await store.put(['user', u, 'session', `s${s}`], { device: 'phone', n: s })
  await store.put(['config', 'flags'], { beta: true }, { ttl: Infinity })
  await store.put(['user', '42', 'note'], 'the string "42"')
  return store
}

test('ls, get, ttl, count, stats and verify print what is stored, and write nothing', async (ctx) => {
  await fill(ctx)
  const before = await snapshot(ctx.admin)
  const ls = await cli(ctx, ['ls', 'user', '*', 'session', '*', '--values'])
  assert.is(ls.code, 0, ls.stderr)
  assert.match(ls.stdout, /"user" 3 "session" "s2"/)
  assert.match(ls.stdout, /6 records/)
  assert.match(ls.stdout, /device: 'phone'/)
  const lines = (await cli(ctx, ['--json', 'ls', 'user', 3, '**'].map(String))).stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
  assert.equal(lines.map((l) => l.key).sort(), [
    ['user', 3, 'session', 's0'],
    ['user', 3, 'session', 's1'],
    ['user', 3, 'session', 's2'],
  ])
  assert.ok(lines.every((l) => l.ttl > 3_500_000 && l.size > 10))
  assert.equal(JSON.parse((await cli(ctx, ['--json', 'get', 'user', '2', 'session', 's1'])).stdout).value, { device: 'phone', n: 1 })
  // '"42"' is the string, 42 the number.
  assert.equal(JSON.parse((await cli(ctx, ['--json', 'get', 'user', '"42"', 'note'])).stdout).value, 'the string "42"')
  const missing = await cli(ctx, ['--json', 'get', 'user', '42', 'note'])
  assert.equal([missing.code, missing.stdout.trim()], [1, 'null'])
  assert.match((await cli(ctx, ['ttl', 'config', 'flags'])).stdout, /never expires/)
  assert.equal(JSON.parse((await cli(ctx, ['--json', 'count', 'user', '**'])).stdout), { count: 7 })
  const stats = JSON.parse((await cli(ctx, ['--json', 'stats'])).stdout)
  assert.equal([stats.records, stats.neverExpire, stats.prefixes[0].top[0]], [8, 1, { prefix: ['user'], records: 7 }])
  const verify = await cli(ctx, ['verify'])
  assert.equal([verify.code, /ok: values and indexes agree/.test(verify.stdout)], [0, true], verify.stdout + verify.stderr)
  assert.equal(await snapshot(ctx.admin), before, 'read commands wrote nothing')
})

test('the CLI runs in-process too: importing it runs nothing; main() runs a command and answers its exit code', async (ctx) => {
  await fill(ctx)
  const { main, program } = await import('../../src/cli/main.js')
  assert.equal(
    program()
      .commands.map((command) => command.name())
      .sort(),
    ['count', 'del', 'get', 'ls', 'stats', 'ttl', 'verify', 'watch'],
  )
  const written: string[] = []
  const write = process.stdout.write
  const exitCode = process.exitCode
  process.stdout.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof process.stdout.write
  let codes: number[]
  try {
    codes = [
      await main(['node', 'redis-prefix-cache', ...targetOf(ctx), '--json', 'count', 'user', '**']),
      await main(['node', 'redis-prefix-cache', ...targetOf(ctx), '--json', 'get', 'user', '9', 'none']),
    ]
  } finally {
    process.stdout.write = write
    process.exitCode = exitCode
  }
  assert.equal(codes, [0, 1])
  assert.equal(
    written
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
    [{ count: 7 }, null],
  )
})

test('del and del --all remove; without a terminal del --all needs --yes', async (ctx) => {
  const store = await fill(ctx)
  assert.match((await cli(ctx, ['del', 'user', '1', 'session', 's0'])).stdout, /removed 1 record/)
  assert.is(await store.get(['user', 1, 'session', 's0']), undefined)
  const refused = await cli(ctx, ['del', '--all', 'user', '**'])
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /pass --yes/)
  assert.is(await store.count(['user', REST_]), 6)
  assert.equal(JSON.parse((await cli(ctx, ['--json', 'del', '--all', '--yes', 'user', '*', 'session', '*'])).stdout), { removed: 5 })
  assert.is(await store.count(['config', REST_]), 1)
})

test('del --all over 3,000 records removes every one (it deletes as it lists: each ZSCAN cursor is scanned once)', async (ctx) => {
  const store = ctx.cache({ buckets: BUCKETS, bucketBy: 2 })
  await store.putMany(Array.from({ length: 3000 }, (_, i) => [['bulk', i], i]))
  assert.equal(JSON.parse((await cli(ctx, ['--json', 'del', '--all', '--yes', 'bulk', '*'])).stdout), { removed: 3000 })
  assert.is(await store.count(['bulk', REST_]), 0)
})

onSingle(test)('into a pipe whose reader closes (| head -1): ls and watch end quietly with status 0 (an unhandled EPIPE, status 1, before)', async (ctx) => {
  const store = ctx.cache()
  await store.putMany(Array.from({ length: 3000 }, (_, i) => [['bulk', i], 'x'.repeat(100)]))
  for (const args of [
    ['--json', 'ls', '**'],
    ['ls', 'bulk', '*'],
    ['--json', 'watch', 'bulk', '*', '--interval', '100'],
  ]) {
    const line = [process.execPath, bin, '--url', ctx.server.url, ...args].map((arg) => `'${arg}'`).join(' ')
    const { stdout, stderr } = await promisify(execFile)(
      'bash',
      ['-c', `${line} 2>/tmp/rpc-pipe-stderr | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat /tmp/rpc-pipe-stderr`],
      { timeout: 30_000 },
    )
    const [status, ...errors] = stdout.split('\n')
    assert.is(status, '0', `${args.join(' ')}: status ${status}; stderr: ${errors.join('\n')}${stderr}`)
    assert.not.match(errors.join('\n'), /EPIPE|Error/, args.join(' '))
  }
})

onSingle(test)('a failed call names the command as typed (not the library call), and a refused password says to check the credentials, not whether Redis runs', async (ctx) => {
  await ctx.admin.call('ACL', 'SETUSER', 'reader', 'on', '>pw', '~*', '+@all', '-evalsha', '-eval', '-mget')
  try {
    const url = ctx.server.url.replace('redis://', 'redis://reader:pw@')
    const denied = await bare(['--url', url, 'ls', 'user', '**'])
    assert.is(denied.code, 2)
    assert.match(denied.stderr, /^error: --url redis:\/\/reader:\*+@[^ ]+ ls user '\*\*' failed: NOPERM/m)
    assert.not.match(denied.stderr, /Symbol|iterate\(/)
    assert.match(denied.stderr, /refused the credentials or the user's rights/)
    const wrong = await bare(['--url', ctx.server.url.replace('redis://', 'redis://reader:nope@'), '--timeout', '2000', 'count', '**'])
    assert.is(wrong.code, 2)
    assert.match(wrong.stderr, /WRONGPASS/)
    assert.match(wrong.stderr, /check the user and password/)
    assert.not.match(wrong.stderr, /is Redis running/)
  } finally {
    await ctx.admin.call('ACL', 'DELUSER', 'reader')
  }
})

test('verify finds problems (exit 1) and --repair fixes them (exit 0)', async (ctx) => {
  const store = await fill(ctx)
  const [value] = (await ctx.admin.keys('*user:3:session:s1')) as [string]
  await ctx.admin.del(value)
  const found = await cli(ctx, ['--json', 'verify'])
  assert.is(found.code, 1)
  assert.ok(JSON.parse(found.stdout).orphanEntries.length > 0)
  const repaired = await cli(ctx, ['verify', '--repair'])
  assert.is(repaired.code, 0, repaired.stderr)
  assert.match(repaired.stdout, /repaired/)
  assert.ok((await store.verify()).ok)
})

test('bad input and usage: exit 2 with a message that says what to do', async (ctx) => {
  for (const [args, message] of [
    [['ls'], /missing required argument/],
    [['frobnicate'], /unknown command/],
    [['ls', '--bogus', 'x'], /unknown option/],
    [['ls', '**', 'user'], /REST, which is allowed only as the last element/],
    [['--buckets', '0', 'count', '**'], /--buckets must be a positive integer/],
  ] as Array<[string[], RegExp]>) {
    const run = await cli(ctx, args)
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    assert.match(run.stderr, message)
  }
})

/** The CLI with exactly these arguments (no target added). */
function bare(args: string[]): Promise<Run> {
  return new Promise<Run>((resolve) =>
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: Number((error as { code?: number })?.code ?? 0), stdout, stderr })),
  )
}

onSingle(test)('Redis down: exit 2 and a hint that never shows the password; an unreachable --cluster seed too, without a stack trace', async () => {
  const run = await bare(['--url', 'redis://127.0.0.1:1', '--timeout', '1000', 'count', '**'])
  assert.is(run.code, 2)
  assert.match(run.stderr, /is Redis running at redis:\/\/127\.0\.0\.1:1\? pass --url/)
  const secret = await bare(['--url', 'redis://admin:s3cret-pw@127.0.0.1:1/0', '--timeout', '1000', 'count', '**'])
  assert.is(secret.code, 2)
  assert.match(secret.stderr, /is Redis running at redis:\/\/admin:\*\*\*@127\.0\.0\.1:1\/0\?/)
  assert.not.match(secret.stderr + secret.stdout, /s3cret-pw/)
  const cluster = await bare(['--cluster', '127.0.0.1:1', '--timeout', '1000', 'count', '**'])
  assert.is(cluster.code, 2, cluster.stderr)
  assert.match(cluster.stderr, /^error: .*\n\(is Redis running at 127\.0\.0\.1:1\?/)
  assert.not.match(cluster.stderr, /\n\s+at /, 'no stack trace')
})

test('keys with bigint and Date parts print as arguments that address them again: get, ttl and del take them', async (ctx) => {
  const store = ctx.cache({ buckets: BUCKETS, bucketBy: 2 })
  await store.put(['user', 42n, 'seen', new Date(0)], 'yes', { ttl: 60_000 })
  await store.put(['user', '42n', 'seen', '@1970-01-01T00:00:00.000Z'], 'strings', { ttl: 60_000 })
  const ls = await cli(ctx, ['ls', 'user', '**'])
  assert.match(ls.stdout, /"user" 42n "seen" @1970-01-01T00:00:00\.000Z/)
  assert.match(ls.stdout, /"user" "42n" "seen" "@1970-01-01T00:00:00\.000Z"/)
  const lines = (await cli(ctx, ['ls', 'user', '**', '--json'])).stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
  const args = lines.map((line) => line.args as string[]).sort()
  assert.equal(args, [
    ['"user"', '"42n"', '"seen"', '"@1970-01-01T00:00:00.000Z"'],
    ['"user"', '42n', '"seen"', '@1970-01-01T00:00:00.000Z'],
  ])
  assert.match((await cli(ctx, ['get', ...args[1]!])).stdout, /'yes'/)
  assert.match((await cli(ctx, ['get', ...args[0]!])).stdout, /'strings'/)
  assert.match((await cli(ctx, ['ttl', 'user', '42n', 'seen', '@1970-01-01T00:00:00.000Z'])).stdout, /\d+ ms/)
  assert.match((await cli(ctx, ['del', 'user', '42n', 'seen', '@1970-01-01T00:00:00Z'])).stdout, /removed 1 record/)
  assert.is(await store.get(['user', 42n, 'seen', new Date(0)]), undefined)
  assert.is(await store.get(['user', '42n', 'seen', '@1970-01-01T00:00:00.000Z']), 'strings')
})

test('an empty answer says when the namespace has no index here, naming the namespaces found', async (ctx) => {
  await fill(ctx)
  for (const args of [
    ['--namespace', 'cahce', 'count', '**'],
    ['--namespace', 'cahce', 'ls', '**'],
    ['--namespace', 'cahce', 'verify'],
  ]) {
    const run = await cli(ctx, args)
    assert.is(run.code, 0, run.stderr)
    assert.match(run.stderr, /hint: namespace "cahce" has no index in this Redis: is --namespace right\?/, args.join(' '))
    if (TARGET === 'single') assert.match(run.stderr, /Namespaces found here: cache/)
  }
  assert.is((await cli(ctx, ['count', '**'])).stderr, '', 'no hint when the namespace is there')
})

onSingle(test)('an empty answer says when the namespace is stored in buckets --buckets does not name, and the reverse', async (ctx) => {
  const spread = ctx.cache({ namespace: 'spread', buckets: 16 })
  for (let i = 0; i < 40; i++) await spread.put(['user', i], i)
  const one = ctx.cache({ namespace: 'one' })
  await one.put(['user', 1], 1)
  const missing = await bare(['--url', ctx.server.url, '--namespace', 'spread', 'count', '**'])
  assert.equal(missing.stdout.trim(), '0')
  assert.match(
    missing.stderr,
    /hint: namespace "spread" is stored in buckets \(\{spread#\d+\}:# exists\): pass --buckets with the number its store was created with, more than \d+/,
  )
  const wrong = await bare(['--url', ctx.server.url, '--namespace', 'one', '--buckets', '4', 'count', '**'])
  assert.match(wrong.stderr, /hint: namespace "one" is stored in one bucket \(\{one\}:# exists\): leave out --buckets/)
  const right = await bare(['--url', ctx.server.url, '--namespace', 'spread', '--buckets', '16', 'count', '**'])
  assert.equal([right.stdout.trim(), right.stderr], ['40', ''])
})

test('watch without a terminal prints one JSON line per change', async (ctx) => {
  const store = ctx.cache({ ttl: 60_000, buckets: BUCKETS, bucketBy: 2 })
  await store.put(['job', 1], 'queued')
  const target = TARGET === 'cluster' ? ['--cluster', `127.0.0.1:${ctx.server.port}`, '--buckets', String(BUCKETS), '--bucket-by', '2'] : ['--url', ctx.server.url]
  const child = execFile(process.execPath, [bin, ...target, 'watch', 'job', '*', '--interval', '200'])
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  await sleep(1_000)
  await store.put(['job', 1], 'running')
  await store.put(['job', 2], 'queued')
  await sleep(800)
  await store.delete(['job', 1])
  await sleep(800)
  child.kill('SIGINT')
  // It must end by itself after SIGINT (a client left open would keep it alive); the test
  // fails rather than waits forever.
  const exited = await Promise.race([new Promise((resolve) => child.on('exit', () => resolve(true))), sleep(10_000).then(() => false)])
  if (!exited) child.kill('SIGKILL')
  assert.ok(exited, 'watch exits after SIGINT')
  const events = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .map((e) => [e.event, e.key, e.value ?? null])
  // The two writes between the first and last change usually land in one refresh, whose
  // lines follow the listing's order (bucket by bucket with buckets): either order is right.
  assert.is(events.length, 4, JSON.stringify(events))
  assert.equal(events[0], ['added', ['job', 1], 'queued'])
  assert.equal(
    events
      .slice(1, 3)
      .map((e) => JSON.stringify(e))
      .sort(),
    [
      ['added', ['job', 2], 'queued'],
      ['changed', ['job', 1], 'running'],
    ].map((e) => JSON.stringify(e)),
  )
  assert.equal(events[3], ['removed', ['job', 1], null])
})

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'])
    return true
  } catch {
    return false
  }
})()

;(hasTmux ? onSingle(test) : test.skip)('in a real terminal (tmux): watch shows a live table; verify shows a progress bar and a summary table', async (ctx) => {
  const store = ctx.cache({ ttl: 60_000 })
  for (let i = 0; i < 3000; i += 500) await store.putMany(Array.from({ length: 500 }, (_, j) => [['item', i + j], { n: i + j }]) as never)
  const session = `rpc-test-${process.pid}`
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' })
  const screen = () => tmux('capture-pane', '-p', '-t', session)
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50')
  try {
    tmux('send-keys', '-t', session, `${process.execPath} ${bin} --url ${ctx.server.url} watch item 7 --interval 300`, 'Enter')
    await waitFor(screen, /"item" 7/)
    assert.match(screen(), /redis-prefix-cache watch item 7 {2}1 record/)
    await store.put(['item', 7], { n: 'changed on screen' })
    await waitFor(screen, /changed on screen/)
    tmux('send-keys', '-t', session, 'q')
    await waitFor(screen, /[#$]\s*$/)
    tmux('send-keys', '-t', session, 'clear', 'Enter')
    tmux('send-keys', '-t', session, `${process.execPath} ${bin} --url ${ctx.server.url} verify --count 50`, 'Enter')
    const done = await waitFor(screen, /ok: values and indexes agree/)
    assert.match(done, /verifying \[[█░]+\] 100% \| \d+\/\d+/, 'the progress bar, filled')
    assert.match(done, /keys checked/)
  } finally {
    tmux('kill-session', '-t', session)
  }
})

async function waitFor(screen: () => string, pattern: RegExp, ms = 10_000): Promise<string> {
  const end = Date.now() + ms
  for (;;) {
    const text = screen()
    if (pattern.test(text)) return text
    if (Date.now() > end) throw new Error(`the screen never showed ${pattern}:\n${text}`)
    await sleep(100)
  }
}

test.run()
