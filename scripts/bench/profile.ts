/**
 * Where a workload's time goes, measured around one run of it: Node's CPU per operation
 * (process.cpuUsage), redis-server's CPU per operation (INFO cpu), Node's write system
 * calls per operation (/proc/self/io syscw, Linux only), and the commands Redis ran per
 * operation (INFO commandstats: scripts, and the commands run inside or beside them). From
 * them, the workload's ceiling if redis-server's CPU were the only limit. Nothing else may
 * use the server or write from this process while it runs.
 */
import { readFileSync } from 'node:fs'
import type { Redis } from 'ioredis'

export interface Profile {
  /** Operations per second in the profiled run. */
  rate: number
  nodeMicros: number
  redisMicros: number
  /** Write system calls of this process per operation; undefined where /proc/self/io is missing. */
  writes: number | undefined
  scripts: number
  /** Commands other than EVALSHA/EVAL per operation: those scripts ran, and any sent directly. */
  commands: number
  /** 1e6 / redisMicros: operations per second were redis-server's CPU the only limit. */
  redisCeiling: number
}

function writeSyscalls(): number | undefined {
  try {
    return Number(/syscw:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1])
  } catch {
    return undefined
  }
}

async function redisCpu(admin: Redis): Promise<number> {
  const info = await admin.info('cpu')
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])
}

async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>()
  for (const match of (await admin.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) calls.set(match[1] as string, Number(match[2]))
  return calls
}

/** Profiles one run: `run` answers operations per second over the time it took. */
export async function profile(admin: Redis, run: () => Promise<number>): Promise<Profile> {
  const calls0 = await commandCalls(admin)
  const redis0 = await redisCpu(admin)
  const writes0 = writeSyscalls()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const rate = await run()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const writes1 = writeSyscalls()
  const redisSeconds = (await redisCpu(admin)) - redis0
  const calls1 = await commandCalls(admin)
  const ops = rate * seconds
  let scripts = 0
  let commands = 0
  for (const [name, n] of calls1) {
    // The profiler's own INFO calls are not the workload's.
    if (name.startsWith('info') || name.startsWith('config')) continue
    const delta = n - (calls0.get(name) ?? 0)
    if (name === 'evalsha' || name === 'eval') scripts += delta
    else commands += delta
  }
  const redisMicros = (redisSeconds * 1e6) / ops
  return {
    rate,
    nodeMicros: (cpu.user + cpu.system) / ops,
    redisMicros,
    writes: writes0 === undefined || writes1 === undefined ? undefined : (writes1 - writes0) / ops,
    scripts: scripts / ops,
    commands: commands / ops,
    redisCeiling: 1e6 / redisMicros,
  }
}
