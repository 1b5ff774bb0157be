/**
 * First contact: a new user's own setup is never misread. An option a constructor does not
 * know, a client it does not take, a connect-redis habit, a password or a database Redis
 * refuses: each is an error naming what was passed (constructors throw before they connect;
 * calls reject with Redis's own words before their timeout), and a URL's password never
 * shows in a message. Runs on single servers of its own (one with a password).
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import Keyv from 'keyv'
import { createClient, createCluster, createSentinel } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnRedisServer, startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { ANY, CacheOperationError, namespaceStats, RedisCache, RedisCacheError } from '../src/index.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
import { RedisSessionStore } from '../src/session/index.js'
import { freePort, onSingle, rejects, sleep } from './helpers.js'

interface Servers {
  plain: EmbeddedRedis
  locked: EmbeddedRedis
  admin: Redis
  closing: Array<() => Promise<unknown>>
}

const PASSWORD = 'hunter2-secret'
const test = suite<Servers>('setup', {} as Servers)
const only = onSingle(test)

test.before(async (ctx) => {
  ctx.plain = await startRedis()
  ctx.locked = await startRedis(['--requirepass', PASSWORD])
  ctx.admin = new Redis(ctx.plain.url)
  ctx.closing = []
})
test.after.each(async (ctx) => {
  await Promise.all(ctx.closing.splice(0).map((close) => close().catch(() => undefined)))
  await ctx.admin.flushall()
})
test.after(async (ctx) => {
  await ctx.admin?.quit()
  await ctx.plain?.stop()
  await ctx.locked?.stop()
})

const connectedClients = async (admin: Redis) => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1])

/** Throws unless `make` throws a TypeError whose message matches every pattern. */
function refuses(make: () => unknown, ...patterns: RegExp[]): string {
  try {
    make()
  } catch (error) {
    if (!(error instanceof TypeError)) throw new Error(`expected a TypeError, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`)
    for (const pattern of patterns) assert.match(error.message, pattern)
    return error.message
  }
  throw new Error(`expected a TypeError matching ${patterns.join(', ')}, but nothing was thrown`)
}

only('every constructor refuses an option it does not know, naming it with what it is here; nothing connects', async (ctx) => {
  const url = ctx.plain.url
  const before = await connectedClients(ctx.admin)
  refuses(
    () => new RedisCache({ redis: url, nameSpace: 'x' } as never),
    /^options has an option it does not know: options\.nameSpace: did you mean `namespace`\?/,
    /Known: redis, redisOptions, namespace/,
  )
  refuses(() => new RedisCache({ redis: url, tll: 1000 } as never), /options\.tll: did you mean `ttl`\?/)
  refuses(() => new RedisCache({ redis: url, bananas: 1 } as never), /options\.bananas: not an option here/)
  refuses(() => new RedisCache({ redis: url, keyPrefix: 'app:' } as never), /options\.keyPrefix: `keyPrefix` is `namespace` here/)
  // connect-redis's own options, as its README writes them.
  const client = new Redis(url)
  ctx.closing.push(() => client.quit())
  const message = refuses(
    () => new RedisSessionStore({ client, prefix: 'myapp:', ttl: 86400 } as never),
    /^options has options it does not know/,
    /options\.client: connect-redis's `client` is `redis` here/,
    /options\.prefix: connect-redis's `prefix` is `namespace` here/,
    /options\.ttl is in milliseconds here \(connect-redis counts seconds\)/,
  )
  assert.not.match(message, /bananas/)
  refuses(() => new RedisSessionStore({ redis: url, scanCount: 100 } as never), /options\.scanCount: listing reads an index, never SCAN/)
  refuses(() => new RedisSessionStore({ redis: url, disableTTL: true } as never), /options\.disableTTL: records always get a ttl here/)
  refuses(() => new RedisSessionStore({ redis: url, userof: () => 1 } as never), /options\.userof: did you mean `userOf`\?/)
  // @keyv/redis's habits.
  refuses(() => new KeyvPrefixCache({ url } as never), /options\.url: a URL goes in `redis`/)
  refuses(() => new KeyvPrefixCache({ redis: url, keyPrefixSeparator: '::' } as never), /options\.keyPrefixSeparator: keys are made of parts here/)
  const shown = refuses(() => new KeyvPrefixCache(`redis://:${PASSWORD}@127.0.0.1:6379` as never), /pass the URL as \{ redis: "redis:\/\/:\*\*\*@127\.0\.0\.1:6379" \}/)
  assert.not.match(shown, new RegExp(PASSWORD))
  // An integration given a store to share refuses what would say otherwise, instead of ignoring it.
  const shared = new RedisCache({ redis: client })
  refuses(() => new KeyvPrefixCache({ cache: shared, redisOptions: { db: 2 } }), /options\.cache brings its client, namespace and buckets: do not pass redisOptions with it/)
  refuses(() => new KeyvPrefixCache({ cache: shared, bucketBy: 2, namespace: 'x' }), /do not pass namespace, bucketBy with it/)
  refuses(() => new RedisSessionStore({ cache: shared, redis: url }), /do not pass redis with it/)
  refuses(() => new RedisCache(null as never), /^options must be an object, got null/)
  refuses(() => new RedisCache([] as never), /^options must be an object, got an array/)
  await sleep(50)
  assert.is(await connectedClients(ctx.admin), before + 1, "only the test's own client connected")
})

only('calls refuse options they do not know too: a misspelt ttl is not a record that never expires', async (ctx) => {
  const store = new RedisCache({ redis: ctx.plain.url })
  ctx.closing.push(() => store.close())
  await rejects(store.put('k', 1, { TTL: 1000 } as never), TypeError, /options\.TTL: did you mean `ttl`\?/)
  await rejects(store.putMany([['k', 1, { tll: 5 } as never]]), TypeError, /entries\[0\]\[2\]\.tll: did you mean `ttl`\?/)
  await rejects(
    store
      .iterate(['a', ANY], { limit: 5 } as never)
      [Symbol.asyncIterator]()
      .next(),
    TypeError,
    /options\.limit: not an option here/,
  )
  await rejects(store.verify({ fix: true } as never), TypeError, /options\.fix: not an option here/)
  await rejects(store.watch({ configure: true } as never), TypeError, /options\.configure: /)
  await rejects(namespaceStats(store, { depht: 2 } as never), TypeError, /options\.depht: did you mean `depth`\?/)
  const sessions = new RedisSessionStore({ redis: ctx.plain.url })
  ctx.closing.push(() => sessions.close())
  await rejects(sessions.revokeUser(1, { exclude: 'x' } as never), TypeError, /options\.exclude: /)
  assert.is(await ctx.admin.dbsize(), 0)
})

only('a value for redis that is not a client it takes is a TypeError saying what it looks like, never a connection to 127.0.0.1:6379', async (ctx) => {
  const url = ctx.plain.url
  // A node-redis client or cluster that is not open (never connected, or closed): refused, saying so.
  const nodeRedis = createClient({ url })
  refuses(() => new RedisCache({ redis: nodeRedis }), /options\.redis is a node-redis client \(createClient\(\)\) that is not open: call connect\(\) first/)
  refuses(() => new RedisSessionStore({ redis: nodeRedis }), /node-redis client .* not open/)
  refuses(() => new KeyvPrefixCache({ redis: nodeRedis }), /node-redis client .* not open/)
  refuses(() => new RedisCache({ redis: createCluster({ rootNodes: [{ url }] }) }), /options\.redis is a node-redis cluster \(createCluster\(\)\) that is not open/)
  // node-redis's sentinel client (sentinel.test.ts drives one): it too must be open.
  const sentinel = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: ctx.plain.port }] })
  refuses(() => new RedisCache({ redis: sentinel as never }), /options\.redis is a node-redis sentinel client \(createSentinel\(\)\) that is not open: call connect\(\) first/)
  await nodeRedis.connect()
  await nodeRedis.close()
  refuses(() => new RedisCache({ redis: nodeRedis }), /node-redis client .* not open: .* a closed client cannot be used/)
  // node-redis's createClient options, which ioredis would ignore.
  refuses(() => new RedisCache({ redis: { url } as never }), /options\.redis looks like node-redis options \(url\)/, /pass the URL itself/)
  refuses(() => new RedisCache({ redis: { socket: { host: '127.0.0.1', port: ctx.plain.port } } as never }), /looks like node-redis options \(socket\)/)
  refuses(
    () => new RedisCache({ redis: url, redisOptions: { database: 2 } as never }),
    /options\.redisOptions looks like node-redis options \(database\), which ioredis would ignore .*: database: ioredis's is `db`/,
  )
  const closed = new Redis(url)
  await closed.quit()
  if (closed.status !== 'end') await once(closed, 'end')
  refuses(() => new RedisCache({ redis: closed }), /options\.redis is an ioredis client that has been closed/)
  const pending = Promise.resolve(new Redis({ lazyConnect: true }))
  refuses(() => new RedisCache({ redis: pending as never }), /got a Promise \(await it first/)
  refuses(() => new RedisCache({ redis: new Map() as never }), /got an instance of Map/)
  refuses(() => new RedisCache({ redis: (() => undefined) as never }), /got a function/)
  refuses(() => new RedisCache({ redis: 42 as never }), /got number/)
  const shown = refuses(() => new RedisCache({ redis: `http://user:${PASSWORD}@127.0.0.1` }), /got the string "http:\/\/user:\*\*\*@127\.0\.0\.1"/)
  assert.not.match(shown, new RegExp(PASSWORD))
  assert.is(await ctx.admin.dbsize(), 0)
})

only('a session ttl that reads as seconds (connect-redis counts seconds) gives a warning saying so', async (ctx) => {
  const warnings: Error[] = []
  const listener = (warning: Error) => warnings.push(warning)
  process.on('warning', listener)
  try {
    const day = new RedisSessionStore({ redis: ctx.plain.url, ttl: 86400 })
    const ms = new RedisSessionStore({ redis: ctx.plain.url, ttl: 86_400_000 })
    ctx.closing.push(
      () => day.close(),
      () => ms.close(),
    )
    await sleep(10)
  } finally {
    process.off('warning', listener)
  }
  assert.is(warnings.length, 1)
  assert.is((warnings[0] as Error & { code?: string }).code, 'REDIS_PREFIX_CACHE_TTL_SECONDS')
  assert.match(warnings[0]!.message, /options\.ttl is 86400 ms \(86\.4 s\): ttls are milliseconds here, where connect-redis counts seconds; for 86400 seconds pass 86400000/)
})

only("a password Redis refuses, a database it does not have and a refused connection reject at once with Redis's own words; no password shows", async (ctx) => {
  const port = ctx.locked.port
  const refusedPort = await freePort()
  const cases: Array<[string, string, RegExp]> = [
    ['no password', `redis://127.0.0.1:${port}`, /NOAUTH/],
    ['a wrong password', `redis://:wrong-${PASSWORD}@127.0.0.1:${port}`, /WRONGPASS invalid username-password pair/],
    ['a wrong user', `redis://nobody:${PASSWORD}@127.0.0.1:${port}`, /WRONGPASS/],
    ['a database the server does not have', `redis://:${PASSWORD}@127.0.0.1:${port}/99`, /ERR DB index is out of range/],
    ['a refused connection', `redis://:${PASSWORD}@127.0.0.1:${refusedPort}`, /ECONNREFUSED/],
  ]
  for (const [name, url, words] of cases) {
    const store = new RedisCache({ redis: url, timeout: 5000 })
    ctx.closing.push(() => store.close())
    const started = Date.now()
    const error = await rejects(store.put(['a'], 1), CacheOperationError, words)
    assert.ok(Date.now() - started < 2500, `${name}: rejected after ${Date.now() - started} ms, not at the timeout`)
    assert.match(error.message, /\(while connecting to 127\.0\.0\.1:\d+; nothing was sent\)/, name)
    assert.not.match(error.message, new RegExp(PASSWORD), `${name}: the password shows`)
    // And again: a second call is refused the same way, never sent to another database.
    await rejects(store.get(['a']), CacheOperationError, words)
  }
  const admin = new Redis({ port, password: PASSWORD })
  ctx.closing.push(() => admin.quit())
  assert.is(await admin.dbsize(), 0, 'nothing was written to database 0')
  // The integrations take the same path; and a client passed in, too.
  const sessions = new RedisSessionStore({ redis: `redis://127.0.0.1:${port}` })
  const keyv = new KeyvPrefixCache({ redis: `redis://:nope@127.0.0.1:${port}` })
  const passed = new Redis({ port, password: 'nope', lazyConnect: true })
  passed.on('error', () => undefined)
  const own = new RedisCache({ redis: passed })
  ctx.closing.push(
    () => sessions.close(),
    () => keyv.disconnect(),
    () => own.close().then(() => passed.disconnect()),
  )
  await rejects(sessions.get('sid'), CacheOperationError, /session\.get\('sid'\) failed: NOAUTH/)
  await rejects(keyv.get('k'), CacheOperationError, /WRONGPASS/)
  await rejects(own.put('k', 1), CacheOperationError, /WRONGPASS/)
  // With the right password, all is well.
  const right = new RedisCache({ redis: `redis://:${PASSWORD}@127.0.0.1:${port}/1` })
  ctx.closing.push(() => right.close())
  await right.put(['a'], 1)
  assert.is(await right.get(['a']), 1)
})

only('a call after close() rejects with a RedisCacheError naming the call', async (ctx) => {
  const store = new RedisCache({ redis: ctx.plain.url })
  await store.close()
  const error = await rejects(store.put('k', 1), RedisCacheError, /^redis-prefix-cache put\('k'\): this store is closed$/)
  assert.is((error as RedisCacheError).operation, 'put')
  await rejects(store.all(['a', ANY]), RedisCacheError, /all\(\[ 'a', Symbol\(redis-prefix-cache\.ANY\) \]\): this store is closed/)
  const sessions = new RedisSessionStore({ redis: ctx.plain.url })
  await sessions.get('x') // its internals are taken
  await sessions.close()
  await rejects(sessions.get('x'), RedisCacheError, /session\.get\('x'\): this store is closed/)
  await rejects(sessions.revokeUser(1), RedisCacheError, /revokeUser\(1\): this store is closed/)
})

only('a write cut by a killed server says the command was sent and may still be applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cut-'))
  const server = await spawnRedisServer(await freePort(), dir, ['--enable-debug-command', 'yes'])
  const admin = new Redis(server.url)
  admin.on('error', () => undefined) // it reconnects to the killed server until disconnected
  const store = new RedisCache({ redis: server.url, timeout: 10_000 })
  try {
    await store.put('warm', 1)
    void admin.call('DEBUG', 'SLEEP', '2').catch(() => undefined) // the server stops answering
    await sleep(100)
    const write = store.put('cut', 1).then(
      () => undefined,
      (error: Error) => error,
    )
    await sleep(200) // the write is on the socket, behind DEBUG SLEEP
    await server.kill('SIGKILL')
    const error = await write
    assert.instance(error, CacheOperationError)
    assert.match(error!.message, /^redis-prefix-cache put\('cut'\) failed: .*the command was sent and may still be applied/)
    assert.not.match(error!.message, /nothing was sent/)
  } finally {
    admin.disconnect()
    await store.close().catch(() => undefined)
    await server.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})

only('values and key parts nested too deeply are RangeErrors naming the argument, not a stack overflow', async (ctx) => {
  const store = new RedisCache({ redis: ctx.plain.url })
  ctx.closing.push(() => store.close())
  let object: unknown = 1
  let array: unknown = 1
  for (let i = 0; i < 20_000; i++) {
    object = { a: object }
    array = [array]
  }
  await rejects(store.put('k', object), RangeError, /^value is nested too deeply to store/)
  await rejects(store.put(['k', array as never], 1), RangeError, /^key\[1\] is nested too deeply to store/)
  await rejects(
    store.putMany([
      ['k', 1],
      ['j', array],
    ]),
    RangeError,
    /^entries\[1\]\[1\] is nested too deeply/,
  )
  await rejects(store.all([array as never, ANY]), RangeError, /^pattern\[0\] is nested too deeply/)
  const sessions = new RedisSessionStore({ redis: ctx.plain.url })
  ctx.closing.push(() => sessions.close())
  await rejects(sessions.set('s', { deep: object }), RangeError, /^session is nested too deeply/)
  assert.is(await ctx.admin.dbsize(), 0)
})

only(
  'one Keyv adapter is refused a second Keyv namespace (Keyv 5 and 6) before anything is written; an adapter per namespace over one RedisCache keeps each to its own',
  async (ctx) => {
    const { Keyv: Keyv6 } = (await import('keyv6')) as unknown as { Keyv: typeof Keyv }
    for (const [major, K] of [
      ['5', Keyv],
      ['6', Keyv6],
    ] as const) {
      const store = new KeyvPrefixCache({ redis: ctx.plain.url })
      ctx.closing.push(() => store.disconnect())
      const users = new K({ store, namespace: 'users' })
      await users.set('1', 'ada')
      refuses(
        () => new K({ store, namespace: 'pages' }),
        /already serves the Keyv of namespace "users"; a Keyv of namespace "pages" on the same adapter would mix their records/,
        /new KeyvPrefixCache\(\{ cache \}\)/,
      )
      refuses(() => {
        users.namespace = 'other'
      }, /already serves the Keyv of namespace "users"/)
      if (major === '5') refuses(() => new K({ store }), /a Keyv of namespace "keyv"/) // Keyv 5's default namespace
      const again = new K({ store, namespace: 'users' }) // Keyvs of one namespace may share it
      assert.is(await again.get('1'), 'ada', `Keyv ${major}`)
      await users.clear()
    }
    assert.is(await ctx.admin.dbsize(), 0)
    // The way to serve two namespaces: an adapter each, over one RedisCache (one connection).
    const shared = new RedisCache({ redis: ctx.plain.url, namespace: 'kv' })
    ctx.closing.push(() => shared.close())
    const users = new Keyv({ store: new KeyvPrefixCache({ cache: shared }), namespace: 'users' })
    const pages = new Keyv({ store: new KeyvPrefixCache({ cache: shared }), namespace: 'pages' })
    await users.set('1', 'ada')
    await pages.set('1', 'home')
    await pages.set('2', 'about')
    assert.is(await users.get('1'), 'ada')
    assert.is(await pages.get('1'), 'home')
    const listed = async (keyv: Keyv) => {
      const out: Array<[string, unknown]> = []
      for await (const entry of keyv.iterator!(undefined)) out.push(entry as [string, unknown])
      return out.sort()
    }
    assert.equal(await listed(users), [['1', 'ada']])
    assert.equal(await listed(pages), [
      ['1', 'home'],
      ['2', 'about'],
    ])
    await users.clear()
    assert.equal(await listed(users), [])
    assert.equal(await listed(pages), [
      ['1', 'home'],
      ['2', 'about'],
    ])
  },
)

test.run()
