/**
 * The benchmark runs to completion on a tiny size and writes its report. No timing is
 * asserted: speed is what `npm run bench` measures, not what tests check.
 */
// test-targets: single
// test-clients: ioredis
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as assert from 'uvu/assert'
import { suite } from 'uvu'

const test = suite('bench')

test('bench --quick completes on a tiny size and reports every workload and ratio', async () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-'))
  const tsx = new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname
  await promisify(execFile)(process.execPath, [tsx, 'scripts/bench.ts', '--quick', '--records', '1000', '--rounds', '1', '--out', out], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, REDIS_URL: '' },
    timeout: 120_000,
  })
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
  assert.ok(results.machine.cores > 0 && results.machine.redis && results.machine.node)
  for (const workload of [
    'put, 1 caller (ops/s)',
    'put, 64 callers (ops/s)',
    'get, 64 callers (ops/s)',
    'get, 64 callers, evicting server: checked reads (ops/s)',
    'sign-in flow, 64 callers (flows/s)',
    'sign-in flow, 64 callers, evicting server: checked reads (flows/s)',
    'all() p50 at 1000 records (ms)',
    'sign-in flow on a 3-master cluster, 64 buckets (flows/s)',
  ]) {
    assert.ok(results.results[workload]?.ours?.median > 0, workload)
  }
  assert.ok(results.results['put, 64 callers (ops/s)'].limit.median > 0)
  for (const parts of [1, 2, 4]) {
    const put = results.results[`put script, ${parts}-part keys, first write: Redis µs per call`]
    assert.ok(put?.ours?.median > 0 && put?.floor?.median > 0, `put script, ${parts} parts, beside its floor`)
    assert.ok(results.results[`touch script, ${parts}-part keys, rewrite: Redis µs per call`]?.floor?.median > 0)
  }
  assert.ok(results.results['all() p50 at 1000 records (ms)'].scan.median > 0)
  assert.is(results.ratios.length, process.env.VALKEY_SERVER ? 59 : 57)
  // The same store on a node-redis 5 client, beside ioredis, in every per-call workload.
  for (const workload of [
    'put, 64 callers (ops/s)',
    'get, 64 callers (ops/s)',
    'sign-in flow, 64 callers (flows/s)',
    'Keyv get, 64 callers (ops/s)',
    'Keyv set, 64 callers (ops/s)',
    'express-session requests, 64 clients (requests/s)',
  ]) {
    assert.ok(results.results[workload]?.['ours-nr5']?.median > 0, `${workload}: ours-nr5`)
  }
  for (const workload of ['Keyv get, 64 callers (ops/s)', 'Keyv set, 64 callers (ops/s)', 'Keyv clear() of 10000 records beside 1000 other keys (ms)']) {
    assert.ok(results.results[workload]?.ours?.median > 0 && results.results[workload]?.['keyv-redis']?.median > 0, workload)
  }
  for (const workload of ['express-session requests, 64 clients (requests/s)', "list one user's sessions among 2000 (ms)"]) {
    assert.ok(results.results[workload]?.ours?.median > 0 && results.results[workload]?.['connect-redis']?.median > 0, workload)
  }
  for (const ratio of results.ratios) assert.ok(Number.isFinite(ratio.value), ratio.name)
  // The profiles: CPU on both sides, and the commands counted per operation (one put script
  // per put; the seed sends no script).
  const profiles = new Map<string, { nodeMicros: number; redisMicros: number; scripts: number; commands: number }>(
    results.profiles.map((p: { workload: string; contender: string; profile: never }) => [`${p.workload}: ${p.contender}`, p.profile]),
  )
  for (const name of [
    'get beside the bare client: ours-nr5',
    'get beside the bare client: bare-nr5',
    'put: ours',
    'put: ours-nr5',
    'put: seed',
    'get: ours',
    'get: ours-nr5',
    'sign-in flow: ours',
    'sign-in flow: seed',
    'Keyv get: ours',
    'Keyv get: ours-nr5',
    'Keyv set: keyv-redis',
    'express-session request: ours-nr5',
    'express-session request: connect-redis',
    'plain GET: node-redis 5',
    'plain GET: node-redis 6, RESP3',
    'plain GET: ioredis 6',
  ]) {
    const p = profiles.get(name)
    assert.ok(p && p.nodeMicros > 0 && p.redisMicros > 0 && p.commands > 0, name)
  }
  assert.ok(Math.abs(profiles.get('put: ours')!.scripts - 1) < 0.05, 'one script per put')
  assert.is(profiles.get('put: seed')!.scripts, 0)
  assert.ok(Math.abs(profiles.get('sign-in flow: ours')!.scripts - 3) < 0.1, 'three scripts per sign-in flow')
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /\| ratio \| value \| target \| met \|/)
})

test.run()
