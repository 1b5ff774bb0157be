/**
 * The session workloads: RedisSessionStore against connect-redis 10 with a
 * node-redis client, the store an express-session app would use instead. Both run the same
 * Express app on the same redis-server (each in its own database), contenders alternating.
 *
 *  - the per-request path: express-session with resave: false, so each request is a get and
 *    a touch, and one request in ten changes the session (a set); HTTP/1.1 keep-alive,
 *    64 concurrent clients, each with its own signed-in session cookie. Ours on ioredis 6 and
 *    on node-redis 5 with the default touch interval, and on node-redis 5 touching on every
 *    request (touchAfter: 0); connect-redis on node-redis 5 and on node-redis 6 (defaults);
 *  - Redis memory per session: used_memory before and after each store's sessions are written;
 *  - "list user 42's sessions" with 10k and 100k sessions of 10k users in the store:
 *    sessionsOf(42) against connect-redis all() and a filter on the user.
 */
import express from 'express'
import session from 'express-session'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { RedisStore } from 'connect-redis'
import { Redis } from 'ioredis'
import { createClient as createClient6 } from 'redis'
import { RedisSessionStore } from '../built.js'
import { admin, alternate, CALLERS, DB, glideFor, log, nodeRedisFor, profiledAlternating, record, roundMs, throughput, url } from '../harness.js'
import { listSessions, PROFILE, SESSION_REQUESTS, sessionMemory } from '../names.js'

type SessionContender = 'ours' | 'ours-nr5' | 'ours-glide' | 'ours-nr5-every-touch' | 'connect-redis' | 'connect-redis-nr6'
const CONTENDERS: readonly SessionContender[] = ['ours', 'ours-nr5', 'ours-glide', 'ours-nr5-every-touch', 'connect-redis', 'connect-redis-nr6']

declare module 'express-session' {
  interface SessionData {
    account?: number
    n?: number
  }
}

/** The same app for both stores: sign in, then pages that read the session and now and then change it. */
function app(store: session.Store) {
  const server = express()
  server.use(session({ store, secret: 'a secret of the benchmark, long enough', resave: false, saveUninitialized: false, cookie: { maxAge: 30 * 60_000 } }))
  server.post('/login/:user', (req, res) => {
    req.session.account = Number(req.params.user)
    res.send('ok')
  })
  server.get('/page/:i', (req, res) => {
    if (Number(req.params.i) % 10 === 0) req.session.n = (req.session.n ?? 0) + 1 // a set; else a touch
    res.send(`hello ${req.session.account}`)
  })
  return new Promise<http.Server>((resolve) => {
    const listening = server.listen(0, '127.0.0.1', () => resolve(listening))
  })
}

function send(agent: http.Agent, port: number, method: string, path: string, cookie?: string): Promise<{ status: number; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: cookie ? { cookie } : {} }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }))
    })
    req.on('error', reject)
    req.end()
  })
}

export async function sessionsWorkload(sizes: readonly number[]): Promise<void> {
  const oursClient = new Redis(url, { db: DB.sessOurs })
  const ours = new RedisSessionStore({ redis: oursClient, userOf: (s) => s.account as number | undefined })
  // connect-redis 10 in its fastest setup, a node-redis 5 client; ours also on node-redis 5 (its own client, its own database).
  const nodeRedis = await nodeRedisFor(DB.sessRedis)
  const theirs = new RedisStore({ client: nodeRedis })
  const oursNodeRedis = new RedisSessionStore({ redis: await nodeRedisFor(DB.sessOurs), namespace: 'sessnr', userOf: (s) => s.account as number | undefined })
  const oursGlide = new RedisSessionStore({ redis: await glideFor(DB.sessOurs), namespace: 'sessglide', userOf: (s) => s.account as number | undefined })
  const oursEveryTouch = new RedisSessionStore({ redis: await nodeRedisFor(DB.sessOurs), namespace: 'sessall', touchAfter: 0, userOf: (s) => s.account as number | undefined })
  // connect-redis on node-redis 6 as a new user sets it up: createClient() with its defaults.
  const nodeRedis6 = await createClient6({ url, database: DB.sessRedis6 })
    .on('error', () => undefined)
    .connect()
  const theirs6 = new RedisStore({ client: nodeRedis6 })
  const stores: Record<SessionContender, session.Store> = {
    ours,
    'ours-nr5': oursNodeRedis,
    'ours-glide': oursGlide,
    'ours-nr5-every-touch': oursEveryTouch,
    'connect-redis': theirs,
    'connect-redis-nr6': theirs6,
  }

  log(`express-session per-request path, ${CALLERS} clients`)
  const runs = {} as Record<SessionContender, { server: http.Server; port: number; agent: http.Agent; cookies: string[] }>
  for (const contender of CONTENDERS) {
    const server = await app(stores[contender])
    const port = (server.address() as AddressInfo).port
    const agent = new http.Agent({ keepAlive: true, maxSockets: CALLERS })
    const cookies: string[] = []
    for (let c = 0; c < CALLERS; c++) {
      const res = await send(agent, port, 'POST', `/login/${c}`)
      if (res.status !== 200 || !res.cookie) throw new Error(`${contender}: sign-in failed (${res.status})`)
      cookies.push(res.cookie)
    }
    runs[contender] = { server, port, agent, cookies }
  }
  const perRequest = (contender: SessionContender) => async () => {
    const { port, agent, cookies } = runs[contender]
    record(
      SESSION_REQUESTS,
      contender,
      await throughput(roundMs, CALLERS, async (caller, i) => {
        const res = await send(agent, port, 'GET', `/page/${i}`, cookies[caller])
        if (res.status !== 200) throw new Error(`${contender}: ${res.status}`)
      }),
    )
  }
  // One unrecorded round each first: the first requests of a server warm up the JIT (Express,
  // the store, the client), which otherwise lands on whichever contender runs first.
  for (const contender of CONTENDERS) {
    const { port, agent, cookies } = runs[contender]
    await throughput(roundMs, CALLERS, (caller, i) => send(agent, port, 'GET', `/page/${i}`, cookies[caller]))
  }
  await alternate(CONTENDERS.map((contender) => [contender, perRequest(contender)]))
  // Profiled too, alternating and three times each: Node CPU a request is a target (within 10% of connect-redis's), and one run of each is too noisy for it.
  await profiledAlternating(
    PROFILE.sessionRequest,
    CONTENDERS.map((contender) => {
      const { port, agent, cookies } = runs[contender]
      return [contender, (caller = 0, i = 0) => send(agent, port, 'GET', `/page/${i}`, cookies[caller % CALLERS])]
    }),
  )
  for (const { server, agent } of Object.values(runs)) {
    agent.destroy()
    await new Promise((resolve) => server.close(resolve))
  }

  // "List user 42's sessions": 10k users, 42 among them, sessions spread evenly.
  const USERS = 10_000
  let filled = 0
  for (const size of sizes) {
    log(`  filling both stores to ${size} sessions`)
    const expires = new Date(Date.now() + 30 * 60_000).toISOString()
    const batches = (from: number) => {
      const all: number[][] = []
      for (let at = from; at < size; at += 500) all.push(Array.from({ length: Math.min(500, size - at) }, (_, j) => at + j))
      return all
    }
    // One store at a time, so that used_memory's growth is that store's.
    const before = await usedMemory()
    for (const batch of batches(filled)) await Promise.all(batch.map((i) => ours.set(`s${i}`, { account: i % USERS, cookie: { expires } })))
    const between = await usedMemory()
    for (const batch of batches(filled)) {
      const multi = nodeRedis.multi()
      for (const i of batch) multi.set(`sess:s${i}`, JSON.stringify({ account: i % USERS, cookie: { expires } }), { expiration: { type: 'EX', value: 1800 } })
      await multi.exec()
    }
    const after = await usedMemory()
    record(sessionMemory(size), 'ours', (between - before) / (size - filled))
    record(sessionMemory(size), 'connect-redis', (after - between) / (size - filled))
    filled = size
    const expected = Math.ceil(size / USERS)
    log(`  list user 42's sessions at ${size}`)
    const list = (contender: SessionContender) => async () => {
      const t0 = performance.now()
      const found = contender === 'ours' ? (await ours.sessionsOf(42)).length : (await theirs.all()).filter((s: { account?: number }) => s.account === 42).length
      record(listSessions(size), contender, performance.now() - t0)
      if (found < expected) throw new Error(`${contender} found ${found} of ${expected} sessions`)
    }
    await alternate([
      ['ours', list('ours')],
      ['connect-redis', list('connect-redis')],
    ])
  }
  await ours.close()
  oursClient.disconnect()
  await oursNodeRedis.close()
  await oursEveryTouch.close()
  await oursGlide.close()
  await nodeRedis6.close()
}

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
}
