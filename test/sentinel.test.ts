/**
 * Sentinel failover and durability, on real processes: a master, two replicas and three
 * sentinels (`redis-server --sentinel`). The store connects through ioredis's `sentinels`
 * and `name` options with `durability: { replicas: 1 }`, a stream of writes runs, and the
 * master is killed with SIGKILL: calls during the failover reject with a clear error, writes
 * resume on the promoted replica by themselves, every write acknowledged before (and after)
 * the kill is on the new master, verify() is clean, and expiry events come from the new master. (Two replicas: with one write
 * needing one replica's acknowledgement, the promoted master needs the other one.) And durability's refusals: a
 * replica that does not acknowledge in time, and a server with no replica.
 * The same failover on node-redis 5's sentinel client (`createSentinel()`) passed in.
 *
 * For a failure: SENTINEL_ONLY=node-redis (or ioredis) runs one client's failover test;
 * SENTINEL_DUMP=/tmp/prefix copies the servers' and sentinels' logs there when a wait fails.
 */
// test-targets: single
// test-clients: ioredis
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ensureRedisServer, type RedisProcess, spawnRedisServer, startRedis } from '../scripts/embedded-redis.js'
import { CacheOperationError, NotReplicatedError, RedisCache, type RedisCacheOptions } from '../src/index.js'
import { RedisSessionStore } from '../src/session/index.js'
import { freePort, sleep } from './helpers.js'

const test = suite('sentinel')
const NAME = 'mymaster'

interface Topology {
  master: RedisProcess
  replicas: RedisProcess[]
  sentinels: Array<{ port: number; child: ChildProcess }>
  dirs: string[]
  stop(): Promise<void>
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const found = await probe().catch(() => undefined)
    if (found !== undefined) return found
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

async function ask(port: number, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return await client.call(String(args[0]), ...args.slice(1))
  } finally {
    client.disconnect()
  }
}

/** What the nodes and sentinels say, for a failure's message. */
async function diagnose(t: Topology): Promise<string> {
  const lines: string[] = []
  for (const node of [t.master, ...t.replicas]) {
    const info = String(await ask(node.port, 'INFO', 'replication').catch((e: Error) => e.message))
    const pick = (name: string) => new RegExp(`${name}:(\\S+)`).exec(info)?.[1]
    const clients = String(await ask(node.port, 'CLIENT', 'LIST').catch((e: Error) => e.message))
    const subscribers = clients.split('\n').filter((line) => /\bsub=[1-9]/.test(line) && !/name=sentinel/.test(line))
    const flags = await ask(node.port, 'CONFIG', 'GET', 'notify-keyspace-events').catch((e: Error) => e.message)
    const keys = `${await ask(node.port, 'DBSIZE').catch((e: Error) => e.message)}, soon ${await ask(node.port, 'PTTL', '{cache}:soon').catch((e: Error) => e.message)}, numsub ${await ask(node.port, 'PUBSUB', 'NUMSUB', '__keyevent@0__:expired').catch((e: Error) => e.message)}`
    lines.push(
      `${node.port}: role ${pick('role')}, master ${pick('master_port') ?? '-'} link ${pick('master_link_status') ?? '-'}, replicas ${pick('connected_slaves')} ${pick('slave0') ?? ''}, notify ${JSON.stringify(flags)}, keys ${keys}, subscribers: ${subscribers.map((line) => line.replace(/^id=\d+ addr=(\S+).*?(sub=\d+).*?(cmd=\S+).*/, '$1 $2 $3')).join('; ')}`,
    )
  }
  if (process.env.SENTINEL_DUMP) t.dirs.forEach((dir, i) => writeFileSync(`${process.env.SENTINEL_DUMP}-${i}.log`, readFileSync(join(dir, i < 3 ? 'redis.log' : 'sentinel.log'))))
  for (const dir of t.dirs.slice(3)) {
    const log = readFileSync(join(dir, 'sentinel.log'), 'utf8').trim().split('\n').slice(-6)
    lines.push(`sentinel log: ${log.map((line) => line.replace(/^\d+:X \S+ \S+ \S+ \S+ /, '')).join(' / ')}`)
  }
  return lines.join('\n')
}

/** The wait; when it fails, its message is followed by `more()` and what the nodes and sentinels say. */
function diagnosed<T>(t: Topology, wait: Promise<T>, more: () => string = () => ''): Promise<T> {
  return wait.catch(async (error: Error) => {
    throw new Error(`${error.message}${more()}\n${await diagnose(t)}`)
  })
}

/** A master, two replicas (in sync), and three sentinels that know them all and each other. */
async function topology(): Promise<Topology> {
  const dirs = [0, 1, 2, 3, 4, 5].map(() => mkdtempSync(join(tmpdir(), 'redis-sentinel-')))
  // Keyspace notifications on every node: CONFIG SET is not replicated, so a promoted replica needs its own.
  const master = await spawnRedisServer(await freePort(), dirs[0] as string, ['--notify-keyspace-events', 'Ex'])
  const replicas: RedisProcess[] = []
  for (const dir of dirs.slice(1, 3))
    replicas.push(await spawnRedisServer(await freePort(), dir, ['--replicaof', '127.0.0.1', String(master.port), '--notify-keyspace-events', 'Ex']))
  const binary = ensureRedisServer() as string
  const sentinels: Topology['sentinels'] = []
  for (let i = 0; i < 3; i++) {
    const dir = dirs[3 + i] as string
    const port = await freePort()
    const conf = join(dir, 'sentinel.conf')
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `logfile ${join(dir, 'sentinel.log')}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${master.port} 2`,
        // Over the sentinels' 1 s PING period: at 1000 a sentinel that has just switched to the
        // promoted master can count it down before its first PING is answered, and fail over again.
        `sentinel down-after-milliseconds ${NAME} 2000`,
        `sentinel failover-timeout ${NAME} 5000`,
        `sentinel parallel-syncs ${NAME} 1`,
        '',
      ].join('\n'),
    )
    sentinels.push({ port, child: spawn(binary, [conf, '--sentinel'], { stdio: 'ignore' }) })
  }
  for (const replica of replicas) {
    await until('the replicas in sync', async () => (/master_link_status:up/.test(String(await ask(replica.port, 'INFO', 'replication'))) ? true : undefined))
  }
  for (const { port } of sentinels) {
    await until(`sentinel ${port} to know the replica and the other sentinels`, async () => {
      const others = (await ask(port, 'SENTINEL', 'SENTINELS', NAME)) as unknown[]
      const known = (await ask(port, 'SENTINEL', 'REPLICAS', NAME)) as unknown[]
      return others.length === 2 && known.length === 2 ? true : undefined
    })
  }
  return {
    master,
    replicas,
    sentinels,
    dirs,
    async stop() {
      for (const { child } of sentinels) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit')
          child.kill('SIGKILL')
          await exited
        }
      }
      await master.kill('SIGKILL')
      for (const replica of replicas) await replica.kill('SIGKILL')
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    },
  }
}

type Connect = (sentinels: Array<{ host: string; port: number }>) => Promise<{ redis: RedisCacheOptions['redis']; close(): Promise<void> }>

const connections: Array<[string, Connect]> = [
  ["ioredis's sentinels and name options", async (sentinels) => ({ redis: { sentinels, name: NAME }, close: async () => undefined })],
  [
    "node-redis 5's sentinel client passed in",
    async (sentinels) => {
      const { createSentinel } = await import('redis5')
      const client = createSentinel({ name: NAME, sentinelRootNodes: sentinels })
      client.on('error', () => undefined)
      await client.connect()
      return { redis: client as unknown as RedisCacheOptions['redis'], close: async () => void (await client.destroy()) }
    },
  ],
]

for (const [how, connect] of connections.filter(([how]) => !process.env.SENTINEL_ONLY || how.includes(process.env.SENTINEL_ONLY)))
  test(`a master killed under a stream of writes, through ${how}: calls reject clearly during the failover, writes resume on the promoted replica by themselves, every acknowledged write is there, verify() is clean`, async () => {
    const t = await topology()
    const sentinels = t.sentinels.map(({ port }) => ({ host: '127.0.0.1', port }))
    const connection = await connect(sentinels)
    const store = new RedisCache({ redis: connection.redis, timeout: 1500, durability: { replicas: 1, timeout: 1000 } })
    const sessions = new RedisSessionStore({ cache: store, userOf: (session) => (session as { user?: string }).user })
    let stop = false
    let writer: Promise<void> | undefined
    try {
      await store.put('before', 1)
      const expired: unknown[] = []
      store.on('expired', (key) => expired.push(key))
      await store.watch()
      await sessions.set('sid-before', { cookie: { maxAge: 600_000 }, user: 'ada' } as never)
      const acknowledged: number[] = []
      const failures: CacheOperationError[] = []
      let killedAt = 0
      let firstAfter = 0
      let promotedAt = 0
      const others: unknown[] = []
      let killed = false
      writer = (async () => {
        for (let i = 0; !stop; i++) {
          // Only a write started once the master is dead counts as resumed (one in flight at the kill can still be acknowledged).
          const afterKill = killed
          try {
            await store.put(['w', i], i)
            acknowledged.push(i)
            if (afterKill && !firstAfter) firstAfter = Date.now()
          } catch (error) {
            if (error instanceof CacheOperationError) failures.push(error)
            else others.push(error)
          }
          await sleep(20)
        }
      })()
      await sleep(1000)
      const beforeKill = acknowledged.length
      killedAt = Date.now()
      await t.master.kill('SIGKILL')
      killed = true
      const promoted = await until('a replica promoted', async () => {
        const [, port] = (await ask(t.sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as [string, string]
        const promoted = t.replicas.find((replica) => replica.port === Number(port))
        if (!promoted) return undefined
        promotedAt = Date.now()
        return promoted
      })
      await diagnosed(
        t,
        until('writes to resume', async () => (firstAfter ? true : undefined), 15_000),
        () =>
          `; the last failures: ${failures
            .slice(-3)
            .map((f) => f.message)
            .join(' | ')}`,
      )
      await until('20 writes after the failover', async () => (acknowledged.filter((i) => i > beforeKill).length >= 20 ? true : undefined), 15_000)
      stop = true
      await writer
      assert.equal(others, [], 'every failure is a CacheOperationError')
      console.log(
        `  sentinel failover (${how}): promoted ${promotedAt - killedAt} ms after the kill; first write acknowledged ${firstAfter - killedAt} ms after the kill (${firstAfter - promotedAt} ms after the promotion); ${failures.length} calls rejected meanwhile`,
      )
      assert.ok(firstAfter - promotedAt < 5000, `writes resumed ${firstAfter - promotedAt} ms after the promotion`)
      assert.ok(failures.length > 0, 'some calls failed while there was no master')
      for (const failure of failures) {
        assert.match(failure.message, /^redis-prefix-cache put\(\[ 'w', \d+ \]\) failed: /)
        assert.type(failure.sent, 'boolean')
      }

      // Every acknowledged write is on the promoted replica (durability: the replica had it before the ack).
      const admin = new Redis(promoted.url)
      const values = await admin.mget(acknowledged.map((i) => `{cache}:w:${i}`))
      const lost = acknowledged.filter((_, j) => values[j] === null)
      assert.equal(lost, [], 'acknowledged writes lost in the failover')
      assert.match(String(await admin.info('replication')), /role:master/)
      await admin.quit()
      assert.is(await store.get('before'), 1)
      assert.equal(((await sessions.get('sid-before')) as { user?: string } | null)?.user, 'ada')
      assert.equal(
        (await sessions.sessionsOf('ada')).map((s) => s.id),
        ['sid-before'],
      )
      assert.ok((await store.verify()).ok, 'verify() finds nothing broken')
      // Expiry events come from the promoted master: the subscriber follows the failover (it
      // reconnects on its own backoff; events before it is back are lost: pub/sub is at most once).
      await diagnosed(
        t,
        until(
          "the watcher's subscriber on the promoted master",
          async () => {
            const [, subscribers] = (await ask(promoted.port, 'PUBSUB', 'NUMSUB', '__keyevent@0__:expired')) as [string, number]
            return subscribers > 0 ? true : undefined
          },
          10_000,
        ),
      )
      await store.put('soon', 1, { ttl: 100 })
      await diagnosed(
        t,
        until('the expiry event from the new master', async () => (expired.includes('soon') ? true : undefined), 10_000),
      )
    } finally {
      stop = true
      await writer
      await store.close().catch(() => undefined)
      await connection.close().catch(() => undefined)
      await t.stop()
    }
  })

test('durability: a replica that does not acknowledge in time (stopped) makes the write reject, applied on the master but not replicated; reads are not waited for', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-durability-'))
  const master = await spawnRedisServer(await freePort(), dir)
  const replicaDir = mkdtempSync(join(tmpdir(), 'redis-durability-'))
  const replica = await spawnRedisServer(await freePort(), replicaDir, ['--replicaof', '127.0.0.1', String(master.port)])
  const store = new RedisCache({ redis: master.url, timeout: 2000, durability: { replicas: 1, timeout: 300 } })
  try {
    await until('the replica in sync', async () => (/master_link_status:up/.test(String(await ask(replica.port, 'INFO', 'replication'))) ? true : undefined))
    await store.put('ok', 1) // the replica acknowledges
    replica.child.kill('SIGSTOP')
    const start = Date.now()
    const error = (await store.put('late', 2).catch((e: unknown) => e)) as CacheOperationError
    assert.instance(error, CacheOperationError)
    assert.instance(error.cause, NotReplicatedError)
    assert.is((error.cause as NotReplicatedError).acknowledged, 0)
    assert.match(error.message, /the write is applied on the master, but 0 of 1 replica\(s\) acknowledged it within 300 ms \(options\.durability\)/)
    assert.is(error.sent, true)
    assert.ok(Date.now() - start < 1500)
    assert.is(await store.get('late'), 2, 'applied on the master; a read does not wait for replicas')
  } finally {
    replica.child.kill('SIGCONT')
    await store.close().catch(() => undefined)
    await replica.kill('SIGKILL')
    await master.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    rmSync(replicaDir, { recursive: true, force: true })
  }
})

test('durability on a server with no replica: every write rejects, saying so; bad options are refused', async () => {
  const server = await startRedis()
  const store = new RedisCache({ redis: server.url, durability: { replicas: 1, timeout: 100 } })
  try {
    for (const write of [() => store.put('a', 1), () => store.putMany([['b', 2]]), () => store.delete('a'), () => store.touch('a', 1000), () => store.increment('n')]) {
      const error = (await write().catch((e: unknown) => e)) as CacheOperationError
      assert.instance(error, CacheOperationError)
      assert.instance(error.cause, NotReplicatedError)
    }
    assert.is(await store.count(['a']), 0)
    // Reads are not waited for: verify() without repair only reads.
    assert.is(await store.get('a'), undefined)
    assert.ok((await store.verify()).ok)
  } finally {
    await store.close()
    await server.stop()
  }
  assert.throws(() => new RedisCache({ redis: 'redis://127.0.0.1:1', durability: { replicas: 0, timeout: 100 } }), /options\.durability\.replicas must be a positive/)
  assert.throws(() => new RedisCache({ redis: 'redis://127.0.0.1:1', durability: { replicas: 1, timeout: 5000 } }), /must be less than options\.timeout/)
  assert.throws(
    () => new RedisCache({ redis: 'redis://127.0.0.1:1', durability: { replicas: 1, timeout: 100, wait: 1 } as never }),
    /options\.durability has an option it does not know/,
  )
})

test.run()
