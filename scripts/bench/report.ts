/**
 * The report: the ratios against their targets, and the table of every figure recorded,
 * printed and written to bench/results.json and bench/results.md (only there: a run never
 * touches the README or docs/).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { CALLERS, CONTENDERS, type Contender, type Figure, log, outDir, PROFILE_RUNS, profiles, quick, records, redisVersion, results, rounds, roundMs } from './harness.js'
import {
  AUTH_GET_SESSION,
  AUTH_SIGN_IN,
  allP50,
  authListSessions,
  GET_64,
  GET_64_CHECKED,
  KEYV_GET,
  KEYV_SET,
  keyvClear,
  listSessions,
  PROFILE,
  PUT_64,
  PUT_64_PIPELINED,
  RATE_LIMITED,
  SESSION_REQUESTS,
  SIGN_IN,
  SIGN_IN_CHECKED,
  sessionMemory,
  unstorageClear,
  unstorageGetKeys,
  VALKEY_GET,
  VALKEY_PUT,
} from './names.js'
import { clusterShares, replicaShares } from './workloads/cluster.js'
import { writeScriptMicros } from './workloads/floors.js'
import { levels, memory } from './workloads/listing.js'

/** Prints the report and writes it to outDir; `sessionSizes` are the two session store sizes measured. */
export function report(sessionSizes: readonly number[]): void {
  /** The profiled run's rate over the rate redis-server's CPU would allow it (1: Redis-bound, as fast as its scripts let it). */
  const ceilingShare = (workload: string, contender: string) => {
    const p = profiles.find((run) => run.workload === workload && run.contender === contender)?.profile
    return p ? p.rate / p.redisCeiling : NaN
  }
  const [smallSessions, bigSessions] = sessionSizes as [number, number]
  const profileOf = (workload: string, contender: string, field: 'redisMicros' | 'nodeMicros') =>
    profiles.find((run) => run.workload === workload && run.contender === contender)?.profile[field] ?? NaN
  const m = (workload: string, contender: Contender) => results[workload]?.[contender]?.median ?? NaN
  const top = levels[levels.length - 1] as number
  const bottom = levels[0] as number
  /** A ratio shown for information, with no target. */
  const info = (name: string, value: number) => ({ name, value, target: '', ok: () => true })
  const ratios = [
    { name: 'put, 64 callers: ours / seed (for information: the seed is bound by its own Node CPU)', value: m(PUT_64, 'ours') / m(PUT_64, 'seed'), target: '', ok: () => true },
    {
      name: 'put, 64 callers: ours / limit (redis-benchmark EVALSHA of the put script)',
      value: m(PUT_64, 'ours') / m(PUT_64, 'limit'),
      target: '>= 0.5',
      ok: (v: number) => v >= 0.5,
    },
    {
      name: "put, 64 callers: ours / limit pipelined (redis-benchmark -P 16 of the put script: the Redis thread's ceiling)",
      value: m(PUT_64, 'ours') / m(PUT_64_PIPELINED, 'limit'),
      target: '>= 0.95',
      ok: (v: number) => v >= 0.95,
    },
    {
      name: 'sign-in flow: ours / seed (for information: the seed is bound by its own Node CPU)',
      value: m(SIGN_IN, 'ours') / m(SIGN_IN, 'seed'),
      target: '',
      ok: () => true,
    },
    ...(['put', 'sign-in flow'] as const).flatMap((workload) =>
      (['ours', 'ours-nr5'] as const).map((contender) => ({
        name: `${workload}: ${contender} / the Redis-CPU ceiling of its own scripts (profile)`,
        value: ceilingShare(workload, contender),
        target: '>= 0.9',
        ok: (v: number) => v >= 0.9,
      })),
    ),
    ...(['put', 'touch', 'add', 'delete'] as const).flatMap((script) =>
      [1, 2, 4].flatMap((parts) =>
        (script === 'put'
          ? (['first write', 'rewrite'] as const)
          : script === 'add'
            ? (['first write'] as const)
            : script === 'delete'
              ? (['the newest record', 'an older record'] as const)
              : (['rewrite'] as const)
        ).map((kind) => ({
          name: `${script} script, ${parts}-part keys, ${kind}: floor / ours, Redis CPU per call (scripts/bench/floors/)`,
          value: m(writeScriptMicros(script, parts, kind), 'floor') / m(writeScriptMicros(script, parts, kind), 'ours'),
          target: '>= 0.8',
          ok: (v: number) => v >= 0.8,
        })),
      ),
    ),
    {
      name: 'get, Node CPU per call: store.get / a bare GET of the same record, both on one node-redis 5 client (profile)',
      value: profileOf(PROFILE.getBeside, 'ours-nr5', 'nodeMicros') / profileOf(PROFILE.getBeside, 'bare-nr5', 'nodeMicros'),
      target: '<= 1.5',
      ok: (v: number) => v <= 1.5,
    },
    info(
      'get, Node CPU per call: store.get / a bare GET of the same record, both on one Valkey GLIDE client (profile; for information)',
      profileOf(PROFILE.getBesideGlide, 'ours-glide', 'nodeMicros') / profileOf(PROFILE.getBesideGlide, 'bare-glide', 'nodeMicros'),
    ),
    info('get, 64 callers: ours on Valkey GLIDE / ours on node-redis 5 (for information)', m(GET_64, 'ours-glide') / m(GET_64, 'ours-nr5')),
    info('put, 64 callers: ours on Valkey GLIDE / ours on node-redis 5 (for information)', m(PUT_64, 'ours-glide') / m(PUT_64, 'ours-nr5')),
    // Measured where a valkey-server could be had (workloads/valkey.ts).
    ...(results[VALKEY_PUT]
      ? [
          info('put, 64 callers, node-redis 5: on Valkey / on Redis (for information)', m(VALKEY_PUT, 'valkey-server') / m(VALKEY_PUT, 'redis-server')),
          info('get, 64 callers, node-redis 5: on Valkey / on Redis (for information)', m(VALKEY_GET, 'valkey-server') / m(VALKEY_GET, 'redis-server')),
        ]
      : []),
    {
      name: 'get, 64 callers: ours on node-redis 5 / ours on ioredis 6',
      value: m(GET_64, 'ours-nr5') / m(GET_64, 'ours'),
      target: '>= 1.5',
      ok: (v: number) => v >= 1.5,
    },
    info('get, 64 callers: checked reads (evicting server) / plain GET (for information)', m(GET_64_CHECKED, 'ours') / m(GET_64, 'ours')),
    info('sign-in flow: checked reads (evicting server) / plain reads (for information)', m(SIGN_IN_CHECKED, 'ours') / m(SIGN_IN, 'ours')),
    info('Keyv get, 64 callers: ours on ioredis 6 / @keyv/redis', m(KEYV_GET, 'ours') / m(KEYV_GET, 'keyv-redis')),
    {
      name: 'Keyv get, 64 callers: ours on node-redis 5 / @keyv/redis (node-redis 5)',
      value: m(KEYV_GET, 'ours-nr5') / m(KEYV_GET, 'keyv-redis'),
      target: '>= 1.0',
      ok: (v: number) => v >= 1.0,
    },
    {
      name: 'Keyv set, 64 callers: ours on node-redis 5 / @keyv/redis (node-redis 5)',
      value: m(KEYV_SET, 'ours-nr5') / m(KEYV_SET, 'keyv-redis'),
      target: '>= 0.7',
      ok: (v: number) => v >= 0.7,
    },
    info('Keyv set, 64 callers: ours on ioredis 6 / @keyv/redis (node-redis 5; for information)', m(KEYV_SET, 'ours') / m(KEYV_SET, 'keyv-redis')),
    info('express-rate-limit route, 64 clients: ours on node-redis 5 / rate-limit-redis (node-redis 5)', m(RATE_LIMITED, 'ours-nr5') / m(RATE_LIMITED, 'rate-limit-redis')),
    info('express-rate-limit route, 64 clients: ours on ioredis 6 / rate-limit-redis (node-redis 5)', m(RATE_LIMITED, 'ours') / m(RATE_LIMITED, 'rate-limit-redis')),
    info(
      `unstorage getKeys(base) of 100 keys beside ${records} others: unstorage's redis driver / ours (time)`,
      m(unstorageGetKeys(records), 'unstorage-redis') / m(unstorageGetKeys(records), 'ours'),
    ),
    info(
      `unstorage clear(base) of 100 keys beside ${records} others: unstorage's redis driver / ours (time)`,
      m(unstorageClear(records), 'unstorage-redis') / m(unstorageClear(records), 'ours'),
    ),
    {
      name: `Keyv clear() of 10000 records beside ${records} others: @keyv/redis / ours (time)`,
      value: m(keyvClear(records), 'keyv-redis') / m(keyvClear(records), 'ours'),
      target: '>= 100',
      ok: (v: number) => v >= 100,
    },
    {
      name: 'express-session requests, 64 clients: ours on ioredis 6 / connect-redis 10 (node-redis 5)',
      value: m(SESSION_REQUESTS, 'ours') / m(SESSION_REQUESTS, 'connect-redis'),
      target: '>= 0.9',
      ok: (v: number) => v >= 0.9,
    },
    {
      name: 'express-session requests, 64 clients: ours on node-redis 5 / connect-redis 10 (node-redis 5)',
      value: m(SESSION_REQUESTS, 'ours-nr5') / m(SESSION_REQUESTS, 'connect-redis'),
      target: '>= 1.0',
      ok: (v: number) => v >= 1.0,
    },
    info(
      'express-session requests, 64 clients: ours on node-redis 5 / connect-redis 10 on node-redis 6 (defaults; for information)',
      m(SESSION_REQUESTS, 'ours-nr5') / m(SESSION_REQUESTS, 'connect-redis-nr6'),
    ),
    {
      name: 'express-session request, Redis CPU µs: ours on node-redis 5, default touch interval',
      value: profileOf(PROFILE.sessionRequest, 'ours-nr5', 'redisMicros'),
      target: '<= 10',
      ok: (v: number) => v <= 10,
    },
    {
      name: 'express-session request, Redis CPU µs: ours on node-redis 5, touching on every request (touchAfter: 0)',
      value: profileOf(PROFILE.sessionRequest, 'ours-nr5-every-touch', 'redisMicros'),
      target: '<= 25',
      ok: (v: number) => v <= 25,
    },
    {
      name: 'express-session request, Node CPU: ours on node-redis 5 / connect-redis 10 (node-redis 5)',
      value: profileOf(PROFILE.sessionRequest, 'ours-nr5', 'nodeMicros') / profileOf(PROFILE.sessionRequest, 'connect-redis', 'nodeMicros'),
      target: '<= 1.1',
      ok: (v: number) => v <= 1.1,
    },
    {
      name: `Redis memory per session at ${bigSessions} sessions: ours / connect-redis`,
      value: m(sessionMemory(bigSessions), 'ours') / m(sessionMemory(bigSessions), 'connect-redis'),
      target: '<= 2',
      ok: (v: number) => v <= 2,
    },
    {
      name: 'better-auth getSession, 64 callers: ours on node-redis 5 / @better-auth/redis-storage (its commands, ioredis 5)',
      value: m(AUTH_GET_SESSION, 'ours-nr5') / m(AUTH_GET_SESSION, 'better-auth-redis'),
      target: '>= 0.9',
      ok: (v: number) => v >= 0.9,
    },
    {
      name: 'better-auth signInEmail, 64 callers: ours on node-redis 5 / @better-auth/redis-storage',
      value: m(AUTH_SIGN_IN, 'ours-nr5') / m(AUTH_SIGN_IN, 'better-auth-redis'),
      target: '>= 0.8',
      ok: (v: number) => v >= 0.8,
    },
    {
      name: `better-auth listSessions of a user with ${quick ? 20 : 100} sessions: @better-auth/redis-storage / ours (time; for information)`,
      value: m(authListSessions(quick ? 20 : 100), 'better-auth-redis') / m(authListSessions(quick ? 20 : 100), 'ours-nr5'),
      target: '',
      ok: () => true,
    },
    {
      name: `list one user's sessions among ${smallSessions}: connect-redis all() / sessionsOf (time; for information)`,
      value: m(listSessions(smallSessions), 'connect-redis') / m(listSessions(smallSessions), 'ours'),
      target: '',
      ok: () => true,
    },
    {
      name: `list one user's sessions among ${bigSessions}: connect-redis all() / sessionsOf (time)`,
      value: m(listSessions(bigSessions), 'connect-redis') / m(listSessions(bigSessions), 'ours'),
      target: '>= 100',
      ok: (v: number) => v >= 100,
    },
    {
      name: `all() p50: ours at ${top} / ours at ${bottom} records`,
      value: m(allP50(top), 'ours') / m(allP50(bottom), 'ours'),
      target: '<= 1.5',
      ok: (v: number) => v <= 1.5,
    },
    {
      name: `all() p50 at ${top} records: scan / ours`,
      value: m(allP50(top), 'scan') / m(allP50(top), 'ours'),
      target: '>= 100',
      ok: (v: number) => v >= 100,
    },
    {
      name: `memory per record at ${top} records: ours / seed`,
      value: (memory[`${top}`]?.ours ?? NaN) / (memory[`${top}`]?.seed ?? NaN),
      target: '<= 1',
      ok: (v: number) => v <= 1,
    },
  ].map((r) => ({ name: r.name, value: Number(r.value.toFixed(3)), target: r.target, met: r.ok(r.value) }))

  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    redis: redisVersion,
    platform: `${os.platform()} ${os.release()}`,
  }
  const settings = { quick, records, rounds, roundMs, callers: CALLERS, levels }
  const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3))
  const cell = (f: Figure | undefined) => (f ? (f.rounds.length > 1 ? `${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)})` : fmt(f.median)) : '')
  const contenders: Contender[] = CONTENDERS
  const lines = [
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, Redis ${machine.redis}. ${quick ? 'Quick run. ' : ''}${rounds} rounds; median (min–max) over rounds.`,
    '',
    `| workload | ${contenders.join(' | ')} |`,
    `|---|${contenders.map(() => '---:').join('|')}|`,
    ...Object.entries(results).map(([workload, byContender]) => `| ${workload} | ${contenders.map((c) => cell(byContender[c])).join(' | ')} |`),
    ...levels.map((level) => `| memory per record at ${level} records (bytes) | ${contenders.map((c) => fmt(memory[`${level}`]?.[c as 'ours'])).join(' | ')} |`),
    ...Object.entries(clusterShares).map(
      ([buckets, shares]) => `| cluster, ${buckets} bucket(s): share of commands per master | ${shares.map((x) => `${(x * 100).toFixed(0)}%`).join(' / ')} | | | | |`,
    ),
    ...Object.entries(replicaShares).map(
      ([from, share]) =>
        `| cluster reads from the ${from}: share of their commands on masters / replicas | ${(share.masters * 100).toFixed(0)}% / ${(share.replicas * 100).toFixed(0)}% | | | | |`,
    ),
    '',
    `| profile: a run of ${roundMs * 2} ms, ${CALLERS} callers (rows marked: the median of ${PROFILE_RUNS} runs, contenders alternating) | ops/s | Node CPU µs/op | Redis CPU µs/op | write syscalls/op | scripts/op | other Redis commands/op | Redis-CPU ceiling (ops/s) | ops/s / ceiling |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...profiles.map(
      ({ workload, contender, profile: p, runs }) =>
        `| ${workload}: ${contender}${runs > 1 ? ` (median of ${runs})` : ''} | ${fmt(p.rate)} | ${fmt(p.nodeMicros)} | ${fmt(p.redisMicros)} | ${p.writes === undefined ? '' : fmt(p.writes)} | ${fmt(p.scripts)} | ${fmt(p.commands)} | ${fmt(p.redisCeiling)} | ${fmt(p.rate / p.redisCeiling)} |`,
    ),
    '',
    '| ratio | value | target | met |',
    '|---|---:|---|---|',
    ...ratios.map((r) => `| ${r.name} | ${r.value} | ${r.target} | ${r.target ? (r.met ? 'yes' : '**no**') : ''} |`),
  ]
  console.log(lines.join('\n'))
  mkdirSync(outDir, { recursive: true })
  writeFileSync(
    `${outDir}/results.json`,
    `${JSON.stringify({ date: new Date().toISOString(), machine, settings, results, memoryPerRecord: memory, clusterCommandShare: clusterShares, replicaReadShare: replicaShares, profiles, ratios }, null, 2)}\n`,
  )
  writeFileSync(`${outDir}/results.md`, `# Benchmark results\n\n${lines.join('\n')}\n`)
  log(`wrote ${outDir}/results.json and ${outDir}/results.md`)
}
