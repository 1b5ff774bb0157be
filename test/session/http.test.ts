/**
 * RedisSessionStore inside real frameworks over HTTP with real cookies: an Express app with
 * express-session, and a Fastify app with @fastify/cookie and @fastify/session, each driven
 * by supertest agents that keep their cookies like two devices of one user.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import express from 'express'
import session from 'express-session'
import Fastify from 'fastify'
import request from 'supertest'
import * as assert from 'uvu/assert'
import { encodePart } from '../../src/parts.js'
import { RedisSessionStore } from '../../src/session/index.js'
import { BUCKETS, onSingle, redisSuite, type Context } from '../helpers.js'

declare module 'express-session' {
  interface SessionData {
    user?: string
    views?: number
  }
}
declare module 'fastify' {
  interface Session {
    user?: string
    views?: number
  }
}

const test = redisSuite('session over HTTP')
const SECRET = 'a secret with minimum length of 32 characters'

function sessionStore(ctx: Context): RedisSessionStore {
  const store = new RedisSessionStore({ redis: ctx.storeClient(), buckets: BUCKETS, userOf: (s) => s.user as string | undefined })
  ctx.cleanup.push(() => store.close())
  return store
}

/** A request held open until release(): the slow request of the resurrection race. */
function gate() {
  let release!: () => void
  let entered!: () => void
  const open = new Promise<void>((resolve) => (release = resolve))
  const inside = new Promise<void>((resolve) => (entered = resolve))
  return { open, inside, release, entered }
}

function expressApp(store: RedisSessionStore, slow: ReturnType<typeof gate>) {
  const app = express()
  app.use(session({ store, secret: SECRET, resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }))
  app.post('/login/:user', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error)
      req.session.user = req.params.user
      res.send('signed in')
    })
  })
  app.get('/me', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1
    res.json({ user: req.session.user ?? null })
  })
  app.get('/slow', async (req, res) => {
    slow.entered()
    await slow.open
    req.session.views = (req.session.views ?? 0) + 100 // modified: express-session saves it at the end
    res.json({ user: req.session.user ?? null })
  })
  app.get('/sessions', async (req, res) => res.json((await store.sessionsOf(req.session.user!)).map((s) => s.id).sort()))
  app.get('/id', (req, res) => res.json({ id: req.sessionID }))
  app.post('/revoke-others', async (req, res) => res.json(await store.revokeUser(req.session.user!, { except: req.sessionID })))
  app.post('/logout', (req, res, next) => req.session.destroy((error) => (error ? next(error) : res.send('bye'))))
  return app
}

async function fastifyApp(store: RedisSessionStore, slow: ReturnType<typeof gate>) {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(fastifySession, { secret: SECRET, store, saveUninitialized: false, cookie: { maxAge: 60_000, secure: false } })
  app.post<{ Params: { user: string } }>('/login/:user', async (req) => {
    await req.session.regenerate()
    req.session.user = req.params.user
    return 'signed in'
  })
  app.get('/me', async (req) => {
    req.session.views = (req.session.views ?? 0) + 1
    return { user: req.session.user ?? null }
  })
  app.get('/slow', async (req) => {
    slow.entered()
    await slow.open
    req.session.views = (req.session.views ?? 0) + 100
    return { user: req.session.user ?? null }
  })
  app.get('/sessions', async (req) => (await store.sessionsOf(req.session.user!)).map((s) => s.id).sort())
  app.get('/id', async (req) => ({ id: req.session.sessionId }))
  app.post('/revoke-others', async (req) => store.revokeUser(req.session.user!, { except: req.session.sessionId }))
  app.post('/logout', async (req) => {
    await req.session.destroy()
    return 'bye'
  })
  await app.ready()
  return app
}

/** The flow the issue names, on any app: two devices, list, revoke everywhere but here, a stale request after sign-out. */
async function deviceFlow(server: Parameters<typeof request.agent>[0], store: RedisSessionStore, slow: ReturnType<typeof gate>) {
  const phone = request.agent(server)
  const laptop = request.agent(server)
  await phone.post('/login/ada').expect(200)
  await laptop.post('/login/ada').expect(200)
  assert.equal((await phone.get('/me').expect(200)).body, { user: 'ada' })
  assert.equal((await laptop.get('/me').expect(200)).body, { user: 'ada' })

  const phoneId = (await phone.get('/id').expect(200)).body.id as string
  const laptopId = (await laptop.get('/id').expect(200)).body.id as string
  assert.equal((await phone.get('/sessions').expect(200)).body, [phoneId, laptopId].sort())

  // Revoke everywhere but here: the laptop's next request is signed out.
  assert.equal((await phone.post('/revoke-others').expect(200)).body, 1)
  assert.equal((await laptop.get('/me').expect(200)).body, { user: null })
  assert.equal((await phone.get('/me').expect(200)).body, { user: 'ada' })
  assert.equal((await phone.get('/sessions').expect(200)).body, [phoneId])

  // A request that loaded the session before sign-out ends after it: answered 200, writes nothing.
  const stale = phone.get('/slow').then((res) => res)
  await slow.inside
  await phone.post('/logout').expect(200)
  slow.release()
  const answer = await stale
  assert.is(answer.status, 200, 'the dropped save is not an error')
  assert.equal(answer.body, { user: 'ada' })
  assert.equal((await phone.get('/me').expect(200)).body, { user: null }, 'signed out for good')
  assert.equal(await store.sessionsOf('ada'), [])
  assert.is(await store.get(phoneId), null)
}

test('Express + express-session: two devices sign in, list, revoke everywhere but here; a stale request cannot undo a sign-out', async (ctx) => {
  const store = sessionStore(ctx)
  const slow = gate()
  const app = expressApp(store, slow)
  const server = app.listen(0)
  ctx.cleanup.push(() => new Promise((resolve) => server.close(resolve)))
  await deviceFlow(server, store, slow)
})

test('Fastify + @fastify/session: the same flow', async (ctx) => {
  const store = sessionStore(ctx)
  const slow = gate()
  const app = await fastifyApp(store, slow)
  ctx.cleanup.push(() => app.close())
  await deviceFlow(app.server, store, slow)
})

test('Express: the store is an express-session Store; sessions expire with their cookie', async (ctx) => {
  const store = sessionStore(ctx)
  assert.instance(store, session.Store)
  const app = express()
  app.use(session({ store, secret: SECRET, resave: false, saveUninitialized: false, rolling: false, cookie: { maxAge: 30_000 } }))
  app.post('/login/:user', (req, res) => {
    req.session.user = req.params.user
    res.send('ok')
  })
  const agent = request.agent(app)
  await agent.post('/login/grace').expect(200)
  const [{ session: stored, id }] = (await store.sessionsOf('grace')) as [{ session: { cookie: { expires: string } }; id: string }]
  assert.type(stored.cookie.expires, 'string', 'cookie.expires comes back as a string, as express-session expects')
  const [key] = (await ctx.admin.keys(`*sid:${encodePart(id, 'sid')}`)) as [string]
  const pttl = await ctx.admin.pttl(key)
  assert.ok(pttl > 28_000 && pttl <= 30_000, `the session expires with its cookie: ${pttl} ms`)
})

onSingle(test)("Express with one node-redis 5 client for the app's own commands and the session store, as a connect-redis user has it", async (ctx) => {
  const { createClient } = await import('redis5')
  const client = createClient({ url: ctx.server.url })
  client.on('error', () => undefined)
  await client.connect()
  ctx.cleanup.push(() => client.close().catch(() => undefined))
  const store = new RedisSessionStore({ redis: client, userOf: (s) => s.user as string | undefined })
  ctx.cleanup.push(() => store.close())
  const slow = gate()
  const app = expressApp(store, slow)
  // The app's own use of the same client, beside the session store's.
  app.get('/visits', async (_req, res) => res.json(await client.incr('app:visits')))
  const server = app.listen(0)
  ctx.cleanup.push(() => new Promise((resolve) => server.close(resolve)))
  const phone = request.agent(server)
  assert.equal((await phone.get('/visits').expect(200)).body, 1)
  await deviceFlow(server, store, slow)
  assert.equal((await phone.get('/visits').expect(200)).body, 2)
  await store.close()
  assert.ok(client.isOpen, "closing the store leaves the app's client open")
  assert.is(await client.get('app:visits'), '2')
})

test.run()
