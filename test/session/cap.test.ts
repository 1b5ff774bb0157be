/**
 * maxSessionsPerUser: a sign-in past the cap revokes the user's sessions signed in first, in
 * the save's own script, with their tombstones, and the store says which ('revoked'). 20
 * concurrent sign-ins of one user with a cap of 5 leave exactly 5 sessions, all listed; the 15
 * others are refused from then on, and a late save does not bring one back. Over HTTP in an
 * Express app, the devices signed in first are signed out. On one bucket (on a cluster too:
 * one bucket is one slot); with more buckets the option is refused.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 glide
import express from 'express'
import session from 'express-session'
import request from 'supertest'
import * as assert from 'uvu/assert'
import { type RedisSessionStoreOptions, type RevokedSessions, RedisSessionStore, type SessionData } from '../../src/session/index.js'
import { BUCKETS, type Context, redisSuite, sleep } from '../helpers.js'

const test = redisSuite('session cap')
const oneBucket = BUCKETS === 1 ? test : test.skip
const manyBuckets = BUCKETS > 1 ? test : test.skip

function capped(ctx: Context, max: number, options: RedisSessionStoreOptions = {}): RedisSessionStore {
  const store = new RedisSessionStore({ redis: ctx.storeClient(), buckets: BUCKETS, userOf: (s: SessionData) => s.user as string | undefined, maxSessionsPerUser: max, ...options })
  ctx.cleanup.push(() => store.close())
  return store
}

const signedIn = (user: string, maxAge = 600_000): SessionData => ({ cookie: { originalMaxAge: maxAge, expires: new Date(Date.now() + maxAge) }, user })

oneBucket('20 concurrent sign-ins of one user, cap 5: exactly 5 sessions left, all listed; the 15 others refused, and no late save brings one back', async (ctx) => {
  const store = capped(ctx, 5)
  const events: RevokedSessions[] = []
  store.on('revoked', (event: RevokedSessions) => events.push(event))
  const ids = Array.from({ length: 20 }, (_, i) => `device-${i}`)
  await Promise.all(ids.map((id) => store.set(id, signedIn('ada'))))
  const listed = (await store.sessionsOf('ada')).map((s) => s.id).sort()
  assert.is(listed.length, 5)
  const alive = (await Promise.all(ids.map(async (id) => ((await store.get(id)) ? id : undefined)))).filter(Boolean).sort()
  assert.equal(alive, listed, 'the sessions listed are the ones that load')
  const revoked = events.flatMap((event) => event.ids).sort()
  assert.is(revoked.length, 15)
  assert.equal([...revoked, ...listed].sort(), [...ids].sort(), 'each session either kept or revoked, once')
  for (const event of events) {
    assert.is(event.user, 'ada')
    assert.is(event.reason, 'maxSessionsPerUser')
    assert.ok(ids.includes(event.by) && !event.ids.includes(event.by))
  }
  // A request that loaded a revoked session before its revocation saves it late: refused.
  await Promise.all(revoked.map((id) => store.set(id, { ...signedIn('ada'), late: true })))
  for (const id of revoked) assert.is(await store.get(id), null, `${id} stays revoked`)
  assert.equal((await store.sessionsOf('ada')).map((s) => s.id).sort(), listed)
  const report = await store.cache.verify()
  assert.ok(report.ok, `the namespace, sign-ins included, is what verify() expects: ${JSON.stringify(report).slice(0, 300)}`)
})

oneBucket('the sessions signed in first go, not the ones that expire first; other users and saves that are not sign-ins are not counted', async (ctx) => {
  const store = capped(ctx, 2)
  await store.set('a', signedIn('bob', 60_000))
  await sleep(5)
  await store.set('b', signedIn('bob', 600_000))
  await sleep(5)
  await store.set('a', { ...signedIn('bob', 3_600_000), n: 1 }) // saved again later, now expiring last: still signed in first
  await store.set('x', signedIn('eve')) // another user
  await store.set('anon', { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } }) // no user
  assert.equal((await store.sessionsOf('bob')).map((s) => s.id).sort(), ['a', 'b'])
  await sleep(5)
  await store.set('c', signedIn('bob'))
  assert.equal((await store.sessionsOf('bob')).map((s) => s.id).sort(), ['b', 'c'])
  assert.is(await store.get('a'), null)
  assert.ok(await store.get('x'))
  assert.ok(await store.get('anon'))
  // A session destroyed (signed out) frees its place: no one is revoked for the next sign-in.
  await store.destroy('b')
  await sleep(5)
  await store.set('d', signedIn('bob'))
  assert.equal((await store.sessionsOf('bob')).map((s) => s.id).sort(), ['c', 'd'])
  // A session that changes user is a sign-in of the new user.
  await sleep(5)
  await store.set('x', signedIn('bob'))
  assert.equal((await store.sessionsOf('bob')).map((s) => s.id).sort(), ['d', 'x'])
  assert.equal(await store.sessionsOf('eve'), [])
})

oneBucket('over HTTP: an Express app with express-session and a cap of 2 signs out the devices signed in first', async (ctx) => {
  const store = capped(ctx, 2)
  const app = express()
  app.use(session({ store, secret: 'a secret with minimum length of 32 characters', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }))
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error)
      ;(req.session as unknown as { user: string }).user = 'carol'
      res.send('signed in')
    })
  })
  app.get('/me', (req, res) => {
    res.status((req.session as unknown as { user?: string }).user ? 200 : 401).send('')
  })
  const devices = [request.agent(app), request.agent(app), request.agent(app)]
  for (const device of devices) {
    assert.is((await device.post('/login')).status, 200)
    await sleep(5)
  }
  assert.equal(await Promise.all(devices.map(async (device) => (await device.get('/me')).status)), [401, 200, 200])
  assert.is((await store.sessionsOf('carol')).length, 2)
})

manyBuckets('with more than one bucket the option is refused: a user has sessions in every bucket', (ctx) => {
  assert.throws(
    () => capped(ctx, 5),
    (e: unknown) => e instanceof RangeError && /maxSessionsPerUser needs every session of a user in one script's reach: buckets 1/.test((e as Error).message),
  )
})

test('bad options are refused before anything is sent', (ctx) => {
  const redis = ctx.storeClient()
  assert.throws(
    () => new RedisSessionStore({ redis, maxSessionsPerUser: 5 }),
    (e: unknown) => e instanceof TypeError && /needs options\.userOf/.test((e as Error).message),
  )
  for (const bad of [0, -1, 2.5, '5']) {
    assert.throws(
      () => new RedisSessionStore({ redis, userOf: () => 'u', maxSessionsPerUser: bad as never }),
      (e: unknown) => e instanceof RangeError && /maxSessionsPerUser must be a positive integer/.test((e as Error).message),
    )
  }
})

test.run()
