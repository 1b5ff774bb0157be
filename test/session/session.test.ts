/**
 * RedisSessionStore (redis-prefix-cache/session): connect-redis's own lifecycle test ported,
 * and the guarantees the store makes, each against a naive control that shows the failure
 * it prevents. Runs on a single Redis and on the cluster suite (a session's records share a
 * bucket; a user's index is split over the buckets).
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { Cookie } from 'express-session'
import * as assert from 'uvu/assert'
import diagnostics from 'node:diagnostics_channel'
import { CacheDecodeError, CacheOperationError, type CallTrace, RedisCache, RedisCacheError } from '../../src/index.js'
import { encodePart } from '../../src/parts.js'
import { internals } from '../../src/internals.js'
import { REVOKE_PAGE, RedisSessionStore, type RedisSessionStoreOptions, type SessionData } from '../../src/session/index.js'
import { SessionRecords } from '../../src/session/records.js'
import { BUCKETS, onSingle, redisSuite, rejects, sleep, snapshot, TARGET, type Context } from '../helpers.js'

const test = redisSuite('session')

/** A store on its own client of the test's target, spread over the suite's buckets. */
function sessions(ctx: Context, options: RedisSessionStoreOptions = {}): RedisSessionStore {
  const store = new RedisSessionStore({ redis: ctx.storeClient(), buckets: BUCKETS, ...options })
  ctx.cleanup.push(() => store.close())
  return store
}

const byUser = { userOf: (session: SessionData) => session.user as string | number | undefined }

/** The one value key of a session's record of this kind ('sid', 'revoked'). */
async function keyOf(ctx: Context, kind: string, sid: string): Promise<string> {
  const keys = (await ctx.admin.keys(`*:${kind}:${encodePart(sid, 'sid')}`)).filter((key) => !key.endsWith('#'))
  assert.is(keys.length, 1, `one ${kind} record of ${sid}: ${keys.join(', ')}`)
  return keys[0] as string
}

/** The set of a user's sessions that lists this session (the set of its bucket). */
async function setOf(ctx: Context, user: string | number, sid: string): Promise<string> {
  const sets: string[] = []
  for (const set of await ctx.admin.keys(`*:uid:${encodePart(user, 'user')}:#sid`)) if ((await ctx.admin.zscore(set, encodePart(sid, 'sid'))) !== null) sets.push(set)
  assert.is(sets.length, 1, `one set of user ${user} lists ${sid}: ${sets.join(', ')}`)
  return sets[0] as string
}

const ttlOf = async (ctx: Context, sid: string) => ctx.admin.ttl(await keyOf(ctx, 'sid', sid))

// ---------------------------------------------------------------------------------------
// connect-redis's index_test.ts (vitest), ported step by step: its "defaults" test with this
// store's defaults, and its lifecycleTest, TTLs read from Redis as it reads them.

test('connect-redis index_test: defaults', async (ctx) => {
  const store = sessions(ctx)
  assert.ok(store.cache)
  assert.is(store.cache.namespace, 'sess')
  assert.is(store.ttl, 86_400_000) // one day, in ms
  assert.is(store.serializer, JSON)
  assert.is(store.disableTouch, false)
})

test('connect-redis index_test: lifecycle', async (ctx) => {
  const store = sessions(ctx)
  await store.clear()

  const sess = { foo: 'bar' }
  await store.set('123', sess)
  assert.equal(await store.get('123'), sess)
  assert.ok((await ttlOf(ctx, '123')) >= 86399)

  let ttl = 60
  let expires = new Date(Date.now() + ttl * 1000).toISOString()
  await store.set('456', { cookie: { expires } })
  assert.ok((await ttlOf(ctx, '456')) <= 60)

  ttl = 90
  const expires2 = new Date(Date.now() + ttl * 1000).toISOString()
  await store.touch('456', { cookie: { expires: expires2 } })
  assert.ok((await ttlOf(ctx, '456')) > 60)

  assert.is(await store.length(), 2) // stored two keys length

  const ids = await store.ids()
  ids.sort()
  assert.equal(ids, ['123', '456'])

  const all = await store.all()
  all.sort((a, b) => (a.id > b.id ? 1 : -1))
  assert.equal(all, [
    { id: '123', foo: 'bar' },
    { id: '456', cookie: { expires } },
  ])

  await store.destroy('456')
  assert.is(await store.length(), 1) // one key remains

  await store.clear()
  assert.is(await store.length(), 0) // no keys remain

  const count = 1000
  const cookie = new Cookie()
  for (let sid = 0; sid < count; sid++) {
    // connect-redis's test gives these a second; writing 1,000 on a loaded 64-bucket cluster
    // can take longer, and the first would expire before length() counts them.
    cookie.expires = new Date(Date.now() + 60_000)
    await store.set(`s${sid}`, { cookie } as unknown as SessionData)
  }
  assert.is(await store.length(), count)

  await store.clear()
  assert.is(await store.length(), 0)

  expires = new Date(Date.now() + ttl * 1000).toISOString() // expires in the future
  await store.set('789', { cookie: { expires } })
  assert.is(await store.length(), 1)

  expires = new Date(Date.now() - ttl * 1000).toISOString() // expires in the past
  await store.set('789', { cookie: { expires } })
  assert.is(await store.length(), 0) // no key remains and that includes session 789
})

test('every method takes a callback as well as answering a promise; errors reach the callback', async (ctx) => {
  const store = sessions(ctx, byUser)
  const viaCallback = <T>(call: (cb: (error: unknown, value?: T) => void) => unknown) =>
    new Promise<[unknown, T | undefined]>((resolve) => call((error, value) => resolve([error, value])))
  assert.equal(await viaCallback<void>((cb) => store.set('a', { user: 1, n: 1 }, cb)), [null, undefined])
  assert.equal(await viaCallback((cb) => store.get('a', cb)), [null, { user: 1, n: 1 }])
  assert.equal(await viaCallback((cb) => store.length(cb)), [null, 1])
  assert.equal(await viaCallback((cb) => store.ids(cb)), [null, ['a']])
  assert.equal(await viaCallback((cb) => store.all(cb)), [null, [{ id: 'a', user: 1, n: 1 }]])
  assert.equal(await viaCallback<void>((cb) => store.touch('a', { user: 1 }, cb)), [null, undefined])
  assert.equal(await viaCallback<void>((cb) => store.destroy('a', cb)), [null, undefined])
  assert.equal(await viaCallback((cb) => store.get('a', cb)), [null, null])
  assert.equal(await viaCallback<void>((cb) => store.clear(cb)), [null, undefined])
  const [error] = await viaCallback<void>((cb) => store.set(42 as unknown as string, {}, cb))
  assert.instance(error, TypeError)
  assert.match((error as Error).message, /sid must be a string, got number/)
})

// ---------------------------------------------------------------------------------------
// 1. No resurrection.

test('guarantee 1: a request that loaded a session before destroy() cannot save it back (set or touch)', async (ctx) => {
  const store = sessions(ctx, byUser)
  const expires = new Date(Date.now() + 60_000).toISOString()
  await store.set('s1', { user: 42, cart: 1, cookie: { expires } })
  const loaded = await store.get('s1') // the slow request's copy
  assert.ok(loaded)
  await store.destroy('s1') // sign-out, on another request
  loaded!.cart = 2
  await store.set('s1', loaded!) // the slow request ends: resolves, no error
  await store.touch('s1', loaded!)
  assert.is(await store.get('s1'), null)
  assert.equal(await store.sessionsOf(42), [])
  assert.equal(await store.ids(), [])
})

test('guarantee 1: nor one that loaded it before revokeUser(); the session kept by `except` lives on', async (ctx) => {
  const store = sessions(ctx, byUser)
  for (const sid of ['phone', 'laptop', 'tablet']) await store.set(sid, { user: 42, device: sid })
  await store.set('other', { user: 7 })
  const stale = await store.get('phone')
  assert.is(await store.revokeUser(42, { except: 'laptop' }), 2)
  await store.set('phone', stale!)
  await store.touch('phone', stale!)
  assert.is(await store.get('phone'), null)
  assert.is(await store.get('tablet'), null)
  assert.equal(await store.sessionsOf(42), [{ id: 'laptop', session: { user: 42, device: 'laptop' } }])
  assert.equal(
    (await store.sessionsOf(7)).map((s) => s.id),
    ['other'],
  )
  assert.is(await store.revokeUser(42), 1)
  assert.equal(await store.sessionsOf(42), [])
})

test('destroy() of an id that has no session writes nothing: regenerate() of fresh sessions leaves no tombstones', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('kept', { user: 1 })
  const before = await snapshot(ctx.admin)
  for (let i = 0; i < 2000; i++) await store.destroy(`never-${i}`) // what a login route's regenerate() does for anonymous clients
  assert.equal(await snapshot(ctx.admin), before)
  // A session that existed still leaves its tombstone, and a late save of it is refused.
  await store.destroy('kept')
  await keyOf(ctx, 'revoked', 'kept')
  await store.set('kept', { user: 1 })
  assert.is(await store.get('kept'), null)
  // Destroying it again keeps the one tombstone.
  await store.destroy('kept')
  await keyOf(ctx, 'revoked', 'kept')
})

onSingle(test)('guarantee 1, control: connect-redis 10 writes the destroyed session back (its issue #328)', async (ctx) => {
  const { createClient } = await import('redis')
  const { RedisStore } = await import('connect-redis')
  const client = createClient({ url: ctx.server.url })
  await client.connect()
  try {
    const store = new RedisStore({ client })
    await store.set('s1', { cart: 1 } as never)
    const loaded = await store.get('s1')
    await store.destroy('s1')
    await store.set('s1', loaded as never)
    assert.equal(await store.get('s1'), { cart: 1 }, 'the race this store closes is open there')
  } finally {
    await client.quit()
  }
})

test('revokeUser() goes page by page past 1,000 sessions of one user and revokes them all', async (ctx) => {
  const store = sessions(ctx, byUser)
  const n = 2_500
  for (let i = 0; i < n; i += 250) {
    await Promise.all(Array.from({ length: 250 }, (_, j) => store.set(`s${i + j}`, { user: 'many' })))
  }
  assert.is((await store.sessionsOf('many')).length, n)
  assert.is(await store.revokeUser('many', { except: 's7' }), n - 1)
  assert.equal(
    (await store.sessionsOf('many')).map((s) => s.id),
    ['s7'],
  )
  assert.is(await store.length(), 1)
})

test('revokeUser() stops with an error when its pages take nothing off a listing that does not shrink, instead of calling forever', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('real', { user: 'stuck' })
  const { layout, client } = store.cache[internals]()
  const records = new SessionRecords(layout)
  const set = records.userListings(records.shardOf('real'), encodePart('stuck', 'user')).set
  // More members than a page, none of them a session: each page takes a page of them off the
  // set, and after each page they are put back on the store's own connection (so before the
  // next page), as a page that removed nothing would leave them. Only for a few pages: a
  // revokeUser without the check would then end, and this test fail, rather than hang.
  const ghosts = Array.from({ length: REVOKE_PAGE + 1 }, (_, i) => [String(Date.now() + 3_600_000), `ghost${i}`]).flat()
  await client.command('ZADD', set, ...ghosts)
  let pages = 0
  const putBack = (message: unknown) => {
    const trace = message as CallTrace
    // A page of this set's bucket (a page of another bucket leaves none)
    if (trace.key === 'stuck' && (trace.result as [number, number])[1] > 0 && ++pages <= 8) void client.command('ZADD', set, ...ghosts)
  }
  const channel = diagnostics.channel('tracing:redis-prefix-cache:revokeUser:asyncEnd')
  channel.subscribe(putBack)
  try {
    await rejects(
      store.revokeUser('stuck'),
      RedisCacheError,
      /revokeUser\('stuck'\): two pages in a row took nothing off .*uid:stuck:#sid \(2 members left\): stopped, 0 sessions revoked/,
    )
  } finally {
    channel.unsubscribe(putBack)
  }
  assert.is(pages, 3, 'stopped at the second page in a row that left as many members')
  assert.ok(await store.get('real'), 'not revoked yet: the session scores after the ghosts')
  assert.is(await store.revokeUser('stuck'), 1, 'called again with nothing putting members back, it ends')
  assert.is(await store.get('real'), null)
  assert.is(await client.command('EXISTS', set), 0)
})

test('clear() stops with an error when its pages take nothing off an index that does not shrink, instead of calling forever', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('real', { user: 'u' })
  const { layout, client } = store.cache[internals]()
  const records = new SessionRecords(layout)
  const index = records.sessionIndex(records.shardOf('real')).index
  // More members than a page, none of them a session, put back after each page (a few pages only:
  // a clear() without the check then ends, and this test fails, rather than hangs).
  const ghosts = Array.from({ length: REVOKE_PAGE + 1 }, (_, i) => [String(Date.now() + 3_600_000), `ghost${i}`]).flat()
  await client.command('ZADD', index, ...ghosts)
  let pages = 0
  const putBack = (message: unknown) => {
    const trace = message as CallTrace
    if ((trace.result as number) > 0 && ++pages <= 8) void client.command('ZADD', index, ...ghosts)
  }
  const channel = diagnostics.channel('tracing:redis-prefix-cache:clear:asyncEnd')
  channel.subscribe(putBack)
  try {
    await rejects(store.clear(), RedisCacheError, /clear\(\): two pages in a row took nothing off .*sid:# \(\d+ members left\): stopped/)
  } finally {
    channel.unsubscribe(putBack)
  }
  assert.is(pages, 3, 'stopped at the second page in a row that left as many members')
  await store.clear()
  assert.is(await store.length(), 0, 'called again with nothing putting members back, it ends')
})

test("a session that cannot be read: get() rejects with it; all() and sessionsOf() skip it and report it (a CacheDecodeError on the store's cache), listing the others", async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('good', { cookie: { maxAge: 60_000 }, user: 'u' } as never)
  await store.set('bad', { cookie: { maxAge: 60_000 }, user: 'u' } as never)
  const { layout, client } = store.cache[internals]()
  const at = new SessionRecords(layout).keysOf('bad')
  await client.command('SET', at.key, 'garbage, not a session', 'KEEPTTL')
  const reported: Error[] = []
  store.cache.on('error', (error) => reported.push(error))
  await rejects(store.get('bad'), CacheOperationError, /does not hold a session written by RedisSessionStore/)
  assert.equal(
    (await store.all()).map((s) => (s as { id?: string }).id),
    ['good'],
  )
  assert.equal(
    (await store.sessionsOf('u')).map((s) => s.id),
    ['good'],
  )
  assert.is(reported.length, 2)
  assert.ok(reported.every((error) => error instanceof CacheDecodeError && (error as CacheDecodeError).record === 'bad' && /does not hold a session/.test(error.message)))
})

// ---------------------------------------------------------------------------------------
// 2. No lost sign-ins.

test('guarantee 2: 32 sign-ins of one user from 32 connections at once are all listed', async (ctx) => {
  const stores = Array.from({ length: 32 }, () => sessions(ctx, byUser))
  await Promise.all(stores.map((store) => store.length())) // every connection ready
  await Promise.all(stores.map((store, i) => store.set(`sign-in-${i}`, { user: 42 })))
  const listed = (await stores[0]!.sessionsOf(42)).map((s) => s.id).sort()
  assert.equal(listed, stores.map((_, i) => `sign-in-${i}`).sort())
})

test('guarantee 2, control: a user index kept by read-modify-write (better-auth #11022) loses sign-ins', async (ctx) => {
  const clients = Array.from({ length: 32 }, () => ctx.client())
  await Promise.all(clients.map((client) => client.ping()))
  const key = '{control}:active-sessions-42'
  await Promise.all(
    clients.map(async (client, i) => {
      const list = JSON.parse((await client.get(key)) ?? '[]') as string[]
      list.push(`sign-in-${i}`)
      await client.set(key, JSON.stringify(list))
    }),
  )
  const kept = JSON.parse((await ctx.admin.get(key)) as string) as string[]
  assert.ok(kept.length < 32, `the control lost ${32 - kept.length} of 32 sign-ins`)
})

// ---------------------------------------------------------------------------------------
// 3. A session changes hands atomically.

/** Watches one session's listing under two users (a key each, and the member in it: a set and its sid, or an entry record and ''), one MULTI a look: counts the looks that saw it under both or neither. */
function watchHandOver(ctx: Context, [a, b]: [string, string], member = '') {
  let running = true
  const seen = { looks: 0, both: 0, neither: 0 }
  const watcher = ctx.client()
  const look = () => (member === '' ? watcher.multi().exists(a).exists(b) : watcher.multi().zscore(a, member).zscore(b, member))
  const done = (async () => {
    while (running) {
      const replies = (await look().exec()) as Array<[Error | null, unknown]>
      const listed = replies.filter(([, reply]) => reply !== null && reply !== 0).length
      seen.looks++
      if (listed === 2) seen.both++
      if (listed === 0) seen.neither++
    }
  })()
  return {
    seen,
    stop: async () => {
      running = false
      await done
    },
  }
}

test('guarantee 3: a session whose user changes at a set() is listed under exactly one user at every moment', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('shared', { user: 'alice' })
  await store.set('shared', { user: 'bob' })
  await store.set('shared', { user: 'alice' })
  const alice = await setOf(ctx, 'alice', 'shared')
  const watch = watchHandOver(ctx, [alice, alice.replace(':uid:alice:', ':uid:bob:')], 'shared')
  for (let i = 0; i < 400; i++) await store.set('shared', { user: i % 2 ? 'alice' : 'bob' })
  await watch.stop()
  assert.ok(watch.seen.looks > 50, `looked ${watch.seen.looks} times`)
  assert.equal({ both: watch.seen.both, neither: watch.seen.neither }, { both: 0, neither: 0 })
  assert.equal(
    (await store.sessionsOf('alice')).map((s) => s.id),
    ['shared'],
  )
  assert.equal(await store.sessionsOf('bob'), [])
})

test('guarantee 3, control: the same hand-over in two calls is seen under neither user', async (ctx) => {
  const cache = new RedisCache({ redis: ctx.storeClient(), buckets: BUCKETS, bucketBy: 1 })
  ctx.cleanup.push(() => cache.close())
  await cache.put(['uid', 'alice', 'shared'], 1)
  const [alice] = (await ctx.admin.keys('*:uid:alice:shared')) as [string]
  const watch = watchHandOver(ctx, [alice, alice.replace(':uid:alice:', ':uid:bob:')])
  for (let i = 0; i < 400; i++) {
    const [from, to] = i % 2 ? ['bob', 'alice'] : ['alice', 'bob']
    await cache.delete(['uid', from, 'shared'])
    await cache.put(['uid', to, 'shared'], 1)
  }
  await watch.stop()
  assert.ok(watch.seen.neither > 0, `the control was seen under neither user ${watch.seen.neither} times of ${watch.seen.looks}`)
})

// ---------------------------------------------------------------------------------------
// 4. Sliding expiry keeps the index in step.

test('guarantee 4: touch() extends the session and its index entry together; at the end nothing of it is left', async (ctx) => {
  const store = sessions(ctx, byUser)
  const at = (ms: number) => ({ user: 42, cookie: { expires: new Date(Date.now() + ms).toISOString() } })
  await store.set('slide', at(1_000))
  await sleep(600)
  await store.touch('slide', at(2_000))
  await sleep(1_000) // past its first expiry
  assert.equal(
    (await store.sessionsOf(42)).map((s) => s.id),
    ['slide'],
  )
  assert.ok(await store.get('slide'))
  assert.is(await store.length(), 1)
  await sleep(1_300) // past the touched expiry
  assert.equal(await store.sessionsOf(42), [])
  assert.is(await store.get('slide'), null)
  assert.is(await store.length(), 0)
  assert.equal(await ctx.admin.keys('*'), [], 'no record or index entry of it is left')
})

test('guarantee 4, control: touching the session alone (as connect-redis does, EXPIRE) leaves the user index behind', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('slide', { user: 42, cookie: { expires: new Date(Date.now() + 800).toISOString() } })
  await ctx.admin.pexpire(await keyOf(ctx, 'sid', 'slide'), 3_000) // the session only
  await sleep(1_000)
  assert.ok(await store.get('slide'), 'the session lives')
  assert.equal(await store.sessionsOf(42), [], 'but its user no longer lists it')
})

// ---------------------------------------------------------------------------------------
// 4b. Sliding expiry without a write on every request (touchAfter).

/** A session's expiry and its score in user 42's set, and every index's and set's expiry and scores, as Redis has them. */
async function expiries(ctx: Context, sid: string): Promise<{ session: number; link: number; indexes: string[] }> {
  const session = Number(await ctx.admin.call('PEXPIRETIME', await keyOf(ctx, 'sid', sid)))
  const link = Number(await ctx.admin.zscore(await setOf(ctx, 42, sid), encodePart(sid, 'sid')))
  const indexes: string[] = []
  for (const index of [...(await ctx.admin.keys('*#')), ...(await ctx.admin.keys('*:#sid'))].sort())
    indexes.push(`${index} ${await ctx.admin.call('PEXPIRETIME', index)} ${await ctx.admin.zrange(index, '0', '-1', 'WITHSCORES')}`)
  return { session, link, indexes }
}

/** The commands Redis ran while `run` ran, by name, with how many times (INFO commandstats). */
async function commandsSent(ctx: Context, run: () => Promise<void>): Promise<Record<string, number>> {
  const calls = async () => Object.fromEntries([...(await ctx.admin.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]))
  const before = await calls()
  await run()
  const after = await calls()
  return Object.fromEntries(
    Object.keys(after)
      .filter((name) => name !== 'info' && after[name] !== before[name])
      .map((name) => [name, (after[name] as number) - (before[name] ?? 0)]),
  )
}

const cookie = (ms: number) => ({ originalMaxAge: ms, expires: new Date(Date.now() + ms).toISOString() })

test('touchAfter (default 1% of the ttl, at most a minute): a request that moves the expiry by less writes nothing, read or not', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('s', { user: 42, cookie: cookie(3_600_000) })
  const before = await snapshot(ctx.admin)
  await sleep(50)
  const loaded = await store.get('s')
  await store.touch('s', { ...loaded, cookie: cookie(3_600_000) }) // as express-session: get, then touch
  assert.equal(await snapshot(ctx.admin), before, 'the request wrote nothing')
  const other = sessions(ctx, byUser) // another process: a touch with no read before it (asked of Redis)
  await other.touch('s', { user: 42, cookie: cookie(3_600_000) })
  assert.equal(await snapshot(ctx.admin), before, 'nor a touch without a read')
  await store.touch('s', { user: 42, cookie: cookie(3_600_000 + 61_000) }) // moves by more than a minute
  const moved = await expiries(ctx, 's')
  assert.ok(moved.session > Date.now() + 3_600_000 + 50_000, 'the expiry moved')
  assert.is(moved.link, moved.session, 'the user entry moved with it')
})

onSingle(test)("touchAfter: a touch after the same request's get is decided without a round trip (GET and PTTL, then nothing)", async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('s', { user: 42, cookie: cookie(3_600_000) })
  const sent = await commandsSent(ctx, async () => {
    for (let i = 0; i < 20; i++) await store.touch('s', { ...(await store.get('s')), cookie: cookie(3_600_000) })
  })
  assert.equal(sent, { get: 20, pttl: 20 })
})

test('touchAfter: Redis keeps each session within the interval of its cookie through many requests, index entries in step', async (ctx) => {
  const store = sessions(ctx, { ...byUser, touchAfter: 300 })
  await store.set('s', { user: 42, cookie: cookie(60_000) })
  let writes = 0
  let last = (await expiries(ctx, 's')).session
  for (let i = 0; i < 25; i++) {
    await sleep(40)
    const expires = cookie(60_000)
    await store.touch('s', { ...(await store.get('s')), cookie: expires })
    const now = await expiries(ctx, 's')
    if (now.session !== last) writes++
    last = now.session
    const gap = new Date(expires.expires).getTime() - now.session
    assert.ok(gap >= -5 && gap < 300 + 20, `Redis's expiry is ${gap} ms before the cookie's (touchAfter 300)`)
    assert.is(now.link, now.session)
    for (const index of now.indexes) {
      const [, expiry, scores] = index.split(' ')
      const top = Math.max(
        ...(scores as string)
          .split(',')
          .filter((_, j) => j % 2 === 1)
          .map(Number),
      )
      assert.is(Number(expiry), top, `${index}: an index expires with its longest-lived member`)
    }
  }
  assert.ok(writes >= 2 && writes <= 6, `${writes} of 25 requests moved the expiry (every 300 ms of 1 s)`)
  assert.ok((await store.cache.verify()).ok)
})

test('touchAfter: a session saved again within the interval keeps its expiry and index entries; its new data is stored', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('s', { user: 42, n: 1, cookie: cookie(3_600_000) })
  const before = await expiries(ctx, 's')
  await sleep(30)
  await store.set('s', { user: 42, n: 2, cookie: cookie(3_600_000) })
  assert.equal(await expiries(ctx, 's'), before, 'expiries and index scores as they were')
  assert.is((await store.get('s'))?.n, 2)
  await store.set('s', { user: 42, n: 3, cookie: cookie(3_600_000 + 61_000) }) // beyond the interval
  const after = await expiries(ctx, 's')
  assert.ok(after.session > before.session + 50_000 && after.link === after.session)
  await store.set('s', { user: 7, n: 4, cookie: cookie(3_600_000 + 61_000) }) // another user: the entry moves
  assert.equal(await store.sessionsOf(42), [])
  assert.equal(
    (await store.sessionsOf(7)).map((one) => one.id),
    ['s'],
  )
  assert.ok((await store.cache.verify()).ok)
})

onSingle(test)(
  "touchAfter: a save after the same request's get, same user, within the interval, is one small script: the new data, expiries and index entries as they were",
  async (ctx) => {
    const store = sessions(ctx, byUser)
    await store.set('s', { user: 42, n: 1, cookie: cookie(3_600_000) })
    await store.set('s', { ...(await store.get('s')), n: 1, cookie: cookie(3_600_000) }) // the script loaded (EVAL once), then counted
    const before = await expiries(ctx, 's')
    await sleep(30)
    const sent = await commandsSent(ctx, async () => {
      await store.set('s', { ...(await store.get('s')), n: 2, cookie: cookie(3_600_000) }) // as express-session: get, then save
    })
    // The request's GET and PTTL, then lua/session/resave.lua: GET, ZSCORE in the user's set, SET ... KEEPTTL.
    assert.equal(sent, { get: 2, pttl: 1, evalsha: 1, zscore: 1, set: 1 })
    assert.equal(await expiries(ctx, 's'), before, 'expiries and index scores as they were')
    assert.is((await store.get('s'))?.n, 2)
    assert.ok((await store.cache.verify()).ok)
  },
)

test('touchAfter: a save of what a request read before the session was destroyed or revoked writes nothing back', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('a', { user: 42, cookie: cookie(3_600_000) })
  await store.set('b', { user: 42, cookie: cookie(3_600_000) })
  const a = await store.get('a')
  const b = await store.get('b')
  await store.destroy('a')
  assert.is(await store.revokeUser(42), 1)
  const after = await snapshot(ctx.admin)
  await store.set('a', { ...a, n: 2, cookie: cookie(3_600_000) })
  await store.set('b', { ...b, n: 2, cookie: cookie(3_600_000) })
  assert.equal(await snapshot(ctx.admin), after)
  assert.is(await store.get('a'), null)
  assert.is(await store.get('b'), null)
})

test('touchAfter: a save of a stale read (another request gave the session another user meanwhile) is listed under the user it stores, never half-moved', async (ctx) => {
  const store = sessions(ctx, byUser)
  const other = sessions(ctx, byUser) // another process (or request) of the same app
  await store.set('s', { user: 42, n: 1, cookie: cookie(3_600_000) })
  const loaded = await store.get('s') // this request read it with user 42
  await other.set('s', { user: 7, n: 2, cookie: cookie(3_600_000) }) // then another gave it to user 7
  const traced: unknown[] = []
  const onStart = (message: unknown) => traced.push(message)
  const channel = diagnostics.channel('tracing:redis-prefix-cache:session.set:start')
  channel.subscribe(onStart)
  try {
    await store.set('s', { ...loaded, n: 3, cookie: cookie(3_600_000) }) // this one saves user 42 back
  } finally {
    channel.unsubscribe(onStart)
  }
  assert.is(traced.length, 1, 'one traced call, though it ran the small save and then the full one')
  assert.is((await store.get('s'))?.user, 42)
  assert.equal(
    (await store.sessionsOf(42)).map((one) => one.id),
    ['s'],
    'listed under the user it stores',
  )
  assert.equal(await store.sessionsOf(7), [], 'and under no other')
  assert.ok((await store.cache.verify()).ok)
})

test('touchAfter 0 moves the expiry on every touch; a shorter cookie moves it down, and the indexes with it', async (ctx) => {
  const store = sessions(ctx, { ...byUser, touchAfter: 0 })
  await store.set('s', { user: 42, cookie: cookie(60_000) })
  const first = await expiries(ctx, 's')
  await sleep(20)
  await store.touch('s', { ...(await store.get('s')), cookie: cookie(60_000) })
  const second = await expiries(ctx, 's')
  assert.ok(second.session > first.session, 'moved by a few ms')
  await store.touch('s', { user: 42, cookie: cookie(5_000) })
  const third = await expiries(ctx, 's')
  assert.ok(third.session < Date.now() + 5_100 && third.link === third.session, 'moved down')
  for (const index of third.indexes) assert.ok(Number(index.split(' ')[1]) < Date.now() + 5_100, `${index} expires with the session`)
  assert.ok((await store.cache.verify()).ok)
  assert.throws(() => sessions(ctx, { touchAfter: -1 }), /options.touchAfter must be a non-negative integer of milliseconds/)
  assert.throws(() => sessions(ctx, { touchAfter: 1.5 }), RangeError)
})

test('touchAfter keeps no resurrection: a request that read a session before its revocation touches nothing back', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('s', { user: 42, cookie: cookie(3_600_000) })
  await store.set('far', { user: 42, cookie: cookie(3_600_000) })
  const loaded = await store.get('s')
  const far = await store.get('far')
  assert.is(await store.revokeUser(42), 2)
  const after = await snapshot(ctx.admin)
  await store.touch('s', { ...loaded, cookie: cookie(3_600_000) }) // within the interval: skipped here
  await store.touch('far', { ...far, cookie: cookie(7_200_000) }) // beyond it: the script finds nothing
  assert.equal(await snapshot(ctx.admin), after)
  assert.is(await store.get('s'), null)
  assert.equal(await store.sessionsOf(42), [])
})

// ---------------------------------------------------------------------------------------
// 5. Bad input.

test('guarantee 5: bad input is a clear error through callback and promise, and Redis is left unchanged', async (ctx) => {
  const store = sessions(ctx, { userOf: (session) => session.user })
  await store.set('keep', { user: 1 })
  const before = await snapshot(ctx.admin)
  const circular: SessionData = { user: 1 }
  circular.self = circular
  type Call = (callback?: (error: unknown) => void) => Promise<unknown>
  const cases: Array<[Call, new (...args: never[]) => Error, RegExp]> = [
    [(cb) => store.set(42 as unknown as string, { user: 1 }, cb), TypeError, /sid must be a string, got number/],
    [(cb) => store.get(undefined as unknown as string, cb), TypeError, /sid must be a string, got undefined/],
    [(cb) => store.destroy(null as unknown as string, cb), TypeError, /sid must be a string, got null/],
    [(cb) => store.touch({} as unknown as string, { user: 1 }, cb), TypeError, /sid must be a string, got object/],
    [(cb) => store.set('x', { user: 1, n: 1n }, cb), TypeError, /BigInt/],
    [(cb) => store.set('x', circular, cb), TypeError, /circular/i],
    [(cb) => store.set('x', null as unknown as SessionData, cb), TypeError, /session must be an object, got null/],
    [(cb) => store.set('x', { user: () => 1 }, cb), TypeError, /userOf\(session\)/],
    [(cb) => store.set('x', { user: Symbol('u') }, cb), TypeError, /userOf\(session\)/],
    [(cb) => store.set('x', { cookie: { expires: 'soon' } }, cb), RangeError, /session.cookie.expires must be a date/],
  ]
  for (const [call, type, message] of cases) {
    await rejects(call(), type, message)
    const error = await new Promise<unknown>((resolve) => void call(resolve))
    assert.instance(error, type)
    assert.match((error as Error).message, message)
  }
  await rejects(store.sessionsOf(undefined as never), TypeError, /user must be a key part/)
  await rejects(store.revokeUser(1, { except: 5 as unknown as string }), TypeError, /options.except must be a session id/)
  const throwing = sessions(ctx, {
    userOf: () => {
      throw new Error('no user today')
    },
  })
  await rejects(throwing.set('y', {}), Error, /no user today/)
  const cbError = await new Promise<unknown>((resolve) => void throwing.set('y', {}, (error) => resolve(error)))
  assert.match((cbError as Error).message, /no user today/)
  const badTtl = sessions(ctx, { ttl: () => Number.NaN })
  await rejects(badTtl.set('z', {}), RangeError, /options.ttl\(session\) must return a number/)
  assert.equal(await snapshot(ctx.admin), before, 'Redis unchanged')
  assert.throws(() => new RedisSessionStore({ redis: ctx.storeClient(), ttl: -1 }), /options.ttl must be a positive integer/)
  assert.throws(() => new RedisSessionStore({ redis: ctx.storeClient(), userOf: 'user' as never }), /options.userOf must be a function/)
})

// ---------------------------------------------------------------------------------------
// Under eviction, and the rest of the surface.

test("under a maxmemory policy that evicts, a session whose user's set was evicted is gone (revokeUser could not have found it)", async (ctx) => {
  for (const [mode, survives] of [
    ['checked', false],
    ['none', true],
  ] as const) {
    await ctx.admin.flushall()
    const store = sessions(ctx, { ...byUser, eviction: mode })
    await store.set('s1', { user: 42 })
    await ctx.admin.del(await setOf(ctx, 42, 's1')) // as an eviction would
    assert.equal(await store.revokeUser(42), 0, 'revocation cannot find it')
    assert.is((await store.get('s1')) !== null, survives, `eviction: '${mode}'`)
    if (!survives) {
      await store.touch('s1', { user: 42 })
      assert.equal((await ctx.admin.keys('*sid:s1')).length, 0, 'removed whole, not brought back')
    }
  }
})

test('a session of a user who signs out keeps living without a user; sessionsOf lists only live sessions of that user', async (ctx) => {
  const store = sessions(ctx, byUser)
  await store.set('s1', { user: 42 })
  await store.set('s1', { signedOut: true })
  assert.equal(await store.sessionsOf(42), [])
  assert.equal(await store.get('s1'), { signedOut: true })
  assert.equal(await ctx.admin.keys('*uid*'), [])
})

test('disableTouch: touch() writes nothing; a ttl function and cookie expiry decide the ttl', async (ctx) => {
  const store = sessions(ctx, { disableTouch: true, ttl: (session) => (session.long ? 120_000 : 30_000) })
  await store.set('a', { long: true, cookie: { expires: new Date(Date.now() + 5_000).toISOString() } })
  const pttl = await ctx.admin.pttl(await keyOf(ctx, 'sid', 'a'))
  assert.ok(pttl > 100_000 && pttl <= 120_000, `the ttl function wins over the cookie: ${pttl}`)
  const before = await snapshot(ctx.admin)
  await store.touch('a', { long: false })
  assert.equal(await snapshot(ctx.admin), before)
})

test('a custom serializer writes and reads the sessions; Redis keeps them readable by RedisCache', async (ctx) => {
  const serializer = { stringify: (s: SessionData) => `v1|${JSON.stringify(s)}`, parse: async (text: string) => JSON.parse(text.slice(3)) as SessionData }
  const store = sessions(ctx, { ...byUser, serializer })
  await store.set('s1', { user: 'ada', when: '2026' })
  assert.equal(await store.get('s1'), { user: 'ada', when: '2026' })
  assert.equal(await store.sessionsOf('ada'), [{ id: 's1', session: { user: 'ada', when: '2026' } }])
  const raw = await ctx.admin.get(await keyOf(ctx, 'sid', 's1'))
  assert.is(raw, `{"json":["ada",${JSON.stringify(`v1|{"user":"ada","when":"2026"}`)}]}`)
  if (BUCKETS === 1) {
    const reader = new RedisCache({ redis: ctx.storeClient(), namespace: 'sess' })
    ctx.cleanup.push(() => reader.close())
    assert.equal(await reader.get(['sid', 's1']), ['ada', 'v1|{"user":"ada","when":"2026"}'])
  }
})

test('sharing a RedisCache: its client and namespace; verify() of the namespace finds nothing to repair', async (ctx) => {
  const cache = new RedisCache({ redis: ctx.storeClient(), namespace: 'app', buckets: BUCKETS, bucketBy: 1 })
  ctx.cleanup.push(() => cache.close())
  const store = new RedisSessionStore({ cache, ...byUser })
  for (let i = 0; i < 20; i++) await store.set(`s${i}`, { user: i % 3 })
  await store.destroy('s0')
  await store.revokeUser(1)
  await cache.put(['own', 'record'], 'mine')
  assert.ok((await ctx.admin.keys('{app*')).length > 0)
  const report = await cache.verify()
  assert.ok(report.ok, JSON.stringify(report))
  assert.is(await store.length(), 20 - 1 - 7)
  assert.is(await cache.get(['own', 'record']), 'mine')
  assert.throws(() => new RedisSessionStore({ cache: new RedisCache({ redis: ctx.storeClient(), buckets: 4, bucketBy: 2 }) }), /bucketBy 1/)
  assert.throws(() => new RedisSessionStore({ cache, namespace: 'x' }), /options.cache brings/)
})

/**
 * Writes a session as releases before the users' sets did: the session and an entry record
 * under its user, each a record of the namespace with one expiry, as their lua/session/set.lua wrote
 * them (the core's put writes the same value and index entries).
 */
async function writeEarlier(store: RedisSessionStore, sid: string, user: string | number, data: SessionData): Promise<void> {
  const shard = new SessionRecords(store.cache[internals]().layout).shardOf(sid)
  const owner = JSON.stringify(encodePart(user, 'user'))
  await store.cache.put([...shard, 'sid', sid], `{"json":[${owner},${JSON.stringify(data)}]}`, { ttl: 3_600_000 })
  await store.cache.put([...shard, 'uid', user, sid], '{"json":1}', { ttl: 3_600_000 })
}

test('sessions written by the release before the sets (an entry record under the user) are read, listed, revoked and cleared; a write or touch moves each into its set', async (ctx) => {
  const store = sessions(ctx, { ...byUser, touchAfter: 0 })
  for (const sid of ['a', 'b', 'c', 'e']) await writeEarlier(store, sid, 42, { user: 42, sid })
  await writeEarlier(store, 'd', 7, { user: 7, sid: 'd' })
  assert.ok((await store.cache.verify()).ok, 'the earlier layout is consistent records')
  const entries = async (user: number) => (await ctx.admin.keys(`*:uid:${user}:*`)).filter((key) => !key.endsWith('#') && !key.endsWith('#sid'))
  assert.is((await entries(42)).length, 4)
  const ids = async (user: number) => (await store.sessionsOf(user)).map((one) => one.id).sort()

  assert.equal(await store.get('a'), { user: 42, sid: 'a' })
  assert.equal(await ids(42), ['a', 'b', 'c', 'e'])
  assert.is(await store.length(), 5)
  const checked = sessions(ctx, { ...byUser, eviction: 'checked' })
  assert.equal(await checked.get('e'), { user: 42, sid: 'e' }, 'whole, listed by its entry record')

  await store.touch('a', { user: 42, cookie: cookie(60_000) })
  await store.set('b', { user: 42, sid: 'b', n: 2 })
  await store.set('c', { user: 7, sid: 'c' }) // and to another user
  assert.equal(
    (await entries(42)).map((key) => key.slice(key.lastIndexOf(':') + 1)),
    ['e'],
    'the three moved out of their entry records',
  )
  assert.equal([await setOf(ctx, 42, 'a'), await setOf(ctx, 42, 'b'), await setOf(ctx, 7, 'c')].length, 3)
  assert.is(Number(await ctx.admin.zscore(await setOf(ctx, 42, 'a'), 'a')), Number(await ctx.admin.call('PEXPIRETIME', await keyOf(ctx, 'sid', 'a'))))
  assert.equal(await ids(42), ['a', 'b', 'e'])
  assert.equal(await ids(7), ['c', 'd'], 'one in the set, one by its entry record')
  assert.ok((await store.cache.verify()).ok, 'both layouts side by side verify clean')

  await writeEarlier(store, 'gone', 7, { user: 7, sid: 'gone' })
  for (const key of await ctx.admin.keys('*:uid:7:gone')) await ctx.admin.del(key) // its entry's value gone, its index member left
  assert.is(await store.revokeUser(7), 3, 'c from the set, d and gone by the index (whose entry had no value left), and the call ends')
  assert.equal(await ctx.admin.keys('*:uid:7*'), [], 'nothing of user 7 is left, either way it was listed')
  await store.set('d', { user: 7, sid: 'd' })
  assert.is(await store.get('d'), null, 'its tombstone refuses a late save')

  await store.destroy('e')
  assert.equal(await entries(42), [])
  assert.equal(await ids(42), ['a', 'b'])
  await writeEarlier(store, 'f', 42, { user: 42, sid: 'f' })
  for (const index of await ctx.admin.keys('*:uid:42:#')) await ctx.admin.del(index) // its user's index of entries, as an eviction would
  assert.is(await checked.get('f'), null, 'under eviction: gone once revokeUser could not find it')

  await store.clear()
  assert.is(await store.length(), 0)
  assert.equal(await ctx.admin.keys('*:uid*'), [], 'clear leaves no set, entry or index of a user')
  assert.equal(
    (await ctx.admin.keys('*')).filter((key) => !key.includes(':revoked:') && !key.endsWith('#')),
    [],
    'only tombstones and their indexes',
  )
})

test(`sessions of one user on ${TARGET === 'cluster' ? 'a cluster' : 'one Redis'}: a session's records share a bucket`, async (ctx) => {
  const store = sessions(ctx, byUser)
  for (let i = 0; i < 50; i++) await store.set(`s${i}`, { user: 42 })
  const tags = new Set<string>()
  for (let i = 0; i < 50; i++) {
    const sid = await keyOf(ctx, 'sid', `s${i}`)
    const link = await setOf(ctx, 42, `s${i}`)
    const tag = (key: string) => key.slice(0, key.indexOf('}') + 1)
    assert.is(tag(sid), tag(link))
    tags.add(tag(sid))
  }
  assert.ok(BUCKETS === 1 ? tags.size === 1 : tags.size > 1, `${tags.size} tags`)
  assert.is((await store.sessionsOf(42)).length, 50)
})

test.run()
