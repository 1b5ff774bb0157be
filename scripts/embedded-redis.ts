/**
 * Throwaway redis-server processes for the tests, the demo and the benchmark, started by
 * redis-memory-server on a free loopback port.
 *
 * The binary: $REDISMS_SYSTEM_BINARY, else redis-server on the PATH (or in /usr/bin,
 * /usr/sbin, /usr/local/bin). When there is none and we run as root with apt-get, Debian's
 * redis-server package is installed. Otherwise redis-memory-server tries its own build,
 * and if that fails we stop with a message saying what to install.
 *
 * Another server that speaks the protocol is chosen the same way: CI runs the suites on
 * Valkey with REDISMS_SYSTEM_BINARY=/…/valkey-server (scripts/valkey.sh builds it), and its
 * cli (valkey-cli, for `--cluster create`) is the one beside it (findRedisCli).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join } from 'node:path'
import { Redis } from 'ioredis'
import { RedisMemoryServer } from 'redis-memory-server'

export interface EmbeddedRedis {
  readonly host: string
  readonly port: number
  readonly url: string
  readonly server: RedisMemoryServer
  stop(): Promise<void>
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function findRedisServer(): string | undefined {
  const configured = process.env.REDISMS_SYSTEM_BINARY
  if (configured) return configured
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']
  return dirs
    .filter(Boolean)
    .map((dir) => join(dir, 'redis-server'))
    .find(executable)
}

/**
 * The cli that goes with the server binary: valkey-cli or redis-cli in the server's own
 * folder (a Valkey build beside its server), else redis-cli on the PATH.
 */
export function findRedisCli(): string {
  const server = findRedisServer()
  if (server) {
    const dir = dirname(server)
    const beside = [basename(server).replace('server', 'cli'), 'valkey-cli', 'redis-cli'].map((name) => join(dir, name)).find(executable)
    if (beside) return beside
  }
  return 'redis-cli'
}

function canInstallWithApt(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
}

let installed: string | undefined

/** The redis-server binary to run, installing Debian's package when we can; undefined: let redis-memory-server build one. */
export function ensureRedisServer(): string | undefined {
  installed ??= findRedisServer()
  if (installed) return installed
  if (canInstallWithApt()) {
    console.error("redis-server not found: installing Debian's redis-server package with apt-get")
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    installed = findRedisServer()
  }
  return installed
}

/** Starts a redis-server (or `binary`: a valkey-server) on a free loopback port. `args` are extra server arguments. */
export async function startRedis(args: string[] = [], port?: number, binary?: string): Promise<EmbeddedRedis> {
  const systemBinary = binary ?? ensureRedisServer()
  // A folder of its own: a server's dir is otherwise the working directory, where a replica's
  // full sync leaves dump.rdb, which every server started there later would load (its
  // replication backlog took a megabyte of maxmemory from the eviction test).
  const dir = mkdtempSync(join(tmpdir(), 'redis-'))
  const server = new RedisMemoryServer({
    autoStart: false,
    binary: systemBinary ? { systemBinary } : {},
    instance: { ip: '127.0.0.1', ...(port ? { port } : {}), args: ['--save', '', '--appendonly', 'no', '--dir', dir, ...args] },
  })
  try {
    await server.start()
  } catch (error) {
    throw new Error(
      'Could not start redis-server. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
        `or point REDISMS_SYSTEM_BINARY at a redis-server binary. Cause: ${(error as Error).message}`,
      { cause: error },
    )
  }
  const host = await server.getHost()
  const actualPort = await server.getPort()
  return {
    host,
    port: actualPort,
    url: `redis://${host}:${actualPort}`,
    server,
    async stop() {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000)
  } catch {
    return '(no log)'
  }
}

export interface RedisProcess {
  readonly port: number
  readonly url: string
  readonly child: ChildProcess
  /** Ends the server with a signal and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Starts redis-server directly (not through redis-memory-server) on a given loopback port,
 * with the given data directory: for tests that kill a server and start it again in place.
 */
export async function spawnRedisServer(port: number, dir: string, args: string[] = []): Promise<RedisProcess> {
  const binary = ensureRedisServer()
  if (!binary) throw new Error('redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server)')
  const log = join(dir, 'redis.log')
  // Output goes to a log file, not a pipe: a caller may unref() the child and let Node exit.
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', log, ...args], { stdio: 'ignore' })
  const until = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}: ${readLog(log)}`)
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => undefined)
    const ready = await probe
      .connect()
      .then(() => probe.ping())
      .then(
        () => true,
        () => false,
      )
    probe.disconnect()
    if (ready) break
    if (Date.now() > until) throw new Error(`redis-server did not answer on port ${port}: ${readLog(log)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    child,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill(signal)
      await exited
    },
  }
}
