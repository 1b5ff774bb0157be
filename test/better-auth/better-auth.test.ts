/**
 * redis-prefix-cache/better-auth: a real better-auth 1.7 (its memory adapter for users and
 * accounts, this storage as its secondaryStorage), driven through its API and over HTTP. Each
 * race guarantee runs on a plain GET/SET storage too (what @better-auth/redis-storage does), as
 * the control that shows the failure (better-auth #11022, #11073). Runs on a single Redis and on
 * the cluster suite.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { toNodeHandler } from 'better-auth/node'
import type { Redis } from 'ioredis'
import * as assert from 'uvu/assert'
import { redisStorage } from '../../scripts/baselines/better-auth-redis-storage.js'
import { type BetterAuthSecondaryStorage, type BetterAuthStorage, betterAuthStorage } from '../../src/better-auth/index.js'
import { onSingle, redisSuite, rejects, sleep, TARGET, type Context } from '../helpers.js'

const test = redisSuite('better-auth')
const PASSWORD = 'a password of the tests'

function storage(ctx: Context, maxSessionsPerUser?: number): BetterAuthStorage {
  const store = betterAuthStorage({ redis: ctx.storeClient(), namespace: 'auth', ...(maxSessionsPerUser ? { maxSessionsPerUser } : {}) })
  ctx.cleanup.push(() => store.close())
  return store
}

/** A plain GET/SET storage: @better-auth/redis-storage's commands (scripts/baselines), the control. */
function plainStorage(ctx: Context): BetterAuthSecondaryStorage {
  return redisStorage({ client: ctx.client() as Redis, keyPrefix: 'plain:' })
}

function makeAuth(secondaryStorage: BetterAuthSecondaryStorage) {
  return betterAuth({
    database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
    secondaryStorage,
    emailAndPassword: { enabled: true },
    secret: randomBytes(32).toString('hex'),
    baseURL: 'http://localhost:3000',
    rateLimit: { enabled: false },
    logger: { disabled: true },
  })
}
type Auth = ReturnType<typeof makeAuth>

const headersOf = (cookie: string) => new Headers({ cookie })
const cookieOf = (headers: Headers) => (headers.get('set-cookie') as string).split(';')[0] as string

async function signUp(auth: Auth, email: string): Promise<string> {
  const { headers } = await auth.api.signUpEmail({ body: { email, password: PASSWORD, name: email }, returnHeaders: true })
  return cookieOf(headers)
}

/** `n` sign-ins of one user at once: their cookies. */
async function signIns(auth: Auth, email: string, n: number): Promise<string[]> {
  const results = await Promise.all(Array.from({ length: n }, () => auth.api.signInEmail({ body: { email, password: PASSWORD }, returnHeaders: true })))
  return results.map(({ headers }) => cookieOf(headers))
}

const valid = async (auth: Auth, cookie: string) => (await auth.api.getSession({ headers: headersOf(cookie) })) !== null
const listed = async (auth: Auth, cookie: string) => (await auth.api.listSessions({ headers: headersOf(cookie) })).map((s) => s.token).sort()
const tokenOf = async (auth: Auth, cookie: string) => (await auth.api.getSession({ headers: headersOf(cookie) }))?.session.token as string

// ---------------------------------------------------------------------------------------
// 1. No lost sign-ins.

test('guarantee 1: 20 concurrent sign-ins of one user are all listed; control: a GET/SET storage loses some', async (ctx) => {
  /** Sign-ins listed, and sign-ins made, for 20 concurrent sign-ins of a new user. */
  const round = async (secondary: BetterAuthSecondaryStorage, email: string) => {
    const auth = makeAuth(secondary)
    const first = await signUp(auth, email)
    const cookies = [first, ...(await signIns(auth, email, 20))]
    const tokens = (await Promise.all(cookies.map((c) => tokenOf(auth, c)))).sort()
    return { list: await listed(auth, first), tokens }
  }
  const ours = await round(storage(ctx), 'ours@example.com')
  assert.equal(ours.list, ours.tokens, 'every sign-in listed')
  // The race is a matter of timing: the control gets a few tries to show it.
  let lost = 0
  for (let i = 0; i < 10 && lost === 0; i++) {
    const control = await round(plainStorage(ctx), `control${i}@example.com`)
    lost = control.tokens.length - control.list.length
  }
  assert.ok(lost > 0, 'the control lost sign-ins from its list')
})

test('maxSessionsPerUser 5: of 21 sign-ins (20 concurrent), exactly 5 stay valid, and they are the ones listed; the storage says which it revoked', async (ctx) => {
  const secondary = storage(ctx, 5)
  const revoked: string[] = []
  secondary.sessions.on('revoked', (event: { ids: string[] }) => revoked.push(...event.ids))
  const auth = makeAuth(secondary)
  const first = await signUp(auth, 'capped@example.com')
  const cookies = [first, ...(await signIns(auth, 'capped@example.com', 20))]
  const validCookies = (await Promise.all(cookies.map(async (c) => ((await valid(auth, c)) ? c : undefined)))).filter((c): c is string => c !== undefined)
  assert.is(validCookies.length, 5)
  const tokens = (await Promise.all(validCookies.map((c) => tokenOf(auth, c)))).sort()
  assert.equal(await listed(auth, validCookies[0] as string), tokens)
  assert.is(revoked.length, 16)
  assert.not.ok(tokens.some((token) => revoked.includes(token)))
})

// ---------------------------------------------------------------------------------------
// 2. Revocation is exact.

test('guarantee 2: after racing sign-ins, revokeOtherSessions leaves only this one valid, revokeSession(token) removes only that one, revokeSessions all; control: some stay valid', async (ctx) => {
  const auth = makeAuth(storage(ctx))
  const first = await signUp(auth, 'ada@example.com')
  const others = await signIns(auth, 'ada@example.com', 12)
  const target = await tokenOf(auth, others[0] as string)
  await auth.api.revokeSession({ headers: headersOf(first), body: { token: target } })
  assert.is(await valid(auth, others[0] as string), false)
  for (const cookie of others.slice(1)) assert.ok(await valid(auth, cookie), 'the rest stay valid')
  await auth.api.revokeOtherSessions({ headers: headersOf(first) })
  assert.ok(await valid(auth, first))
  for (const cookie of others) assert.is(await valid(auth, cookie), false)
  assert.equal(await listed(auth, first), [await tokenOf(auth, first)])
  const more = await signIns(auth, 'ada@example.com', 8)
  await auth.api.revokeSessions({ headers: headersOf(more[0] as string) })
  for (const cookie of [first, ...more]) assert.is(await valid(auth, cookie), false)

  let still = 0
  for (let i = 0; i < 10 && still === 0; i++) {
    const control = makeAuth(plainStorage(ctx))
    const mine = await signUp(control, `bob${i}@example.com`)
    const theirs = await signIns(control, `bob${i}@example.com`, 20)
    await control.api.revokeOtherSessions({ headers: headersOf(mine) })
    still = (await Promise.all(theirs.map((c) => valid(control, c)))).filter(Boolean).length
  }
  assert.ok(still > 0, 'the control leaves other sessions valid')
})

// ---------------------------------------------------------------------------------------
// 3. No resurrection.

test('guarantee 3: a session written back after its revocation (a refresh in flight) stays revoked and unlisted; control: it comes back', async (ctx) => {
  for (const [name, secondary] of [
    ['ours', storage(ctx)],
    ['control', plainStorage(ctx)],
  ] as const) {
    const auth = makeAuth(secondary)
    const here = await signUp(auth, `${name}@example.com`)
    const [phone] = await signIns(auth, `${name}@example.com`, 1)
    const token = await tokenOf(auth, phone as string)
    const inFlight = (await secondary.get(token)) as string // what a refresh read before the revocation
    await auth.api.revokeSession({ headers: headersOf(here), body: { token } })
    await secondary.set(token, inFlight, 3600) // ...and writes back after it
    if (name === 'ours') {
      assert.is(await valid(auth, phone as string), false)
      assert.is(await secondary.get(token), null)
      assert.equal(await listed(auth, here), [await tokenOf(auth, here)])
    } else {
      assert.ok(await valid(auth, phone as string), 'the control brings the revoked session back')
    }
  }
})

// ---------------------------------------------------------------------------------------
// 4. No valid-and-unlisted session.

test('guarantee 4: sign-ins racing revokeSessions end revoked or listed, never valid and unlisted; control: some end valid and unlisted', async (ctx) => {
  const outcome = async (secondary: BetterAuthSecondaryStorage, email: string) => {
    const auth = makeAuth(secondary)
    const first = await signUp(auth, email)
    await signIns(auth, email, 4)
    const [racing] = await Promise.all([signIns(auth, email, 16), auth.api.revokeSessions({ headers: headersOf(first) })])
    await sleep(20)
    const [survivor] = await signIns(auth, email, 1) // to list with
    const list = new Set(await listed(auth, survivor as string))
    let unlisted = 0
    for (const cookie of racing) if ((await valid(auth, cookie)) && !list.has(await tokenOf(auth, cookie))) unlisted++
    return unlisted
  }
  assert.is(await outcome(storage(ctx), 'ours@example.com'), 0)
  let control = 0
  for (let i = 0; i < 10 && control === 0; i++) control += await outcome(plainStorage(ctx), `control${i}@example.com`)
  assert.ok(control > 0, 'the control leaves valid sessions its user cannot list')
})

// ---------------------------------------------------------------------------------------
// 5. getAndDelete and increment.

test('guarantee 5: getAndDelete gives a value to exactly one of N racing callers; increment returns 1..N, the ttl from the first', async (ctx) => {
  const store = storage(ctx)
  const others = Array.from({ length: 4 }, () => storage(ctx))
  await store.set('verification:reset-1', '{"value":"u1"}', 60)
  const taken = await Promise.all(Array.from({ length: 32 }, (_, i) => (others[i % 4] as BetterAuthStorage).getAndDelete('verification:reset-1')))
  assert.equal(
    taken.filter((v) => v !== null),
    ['{"value":"u1"}'],
  )
  const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (others[i % 4] as BetterAuthStorage).increment('203.0.113.7/sign-in/email', 1)))
  assert.equal(
    counts.sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
  )
  await sleep(600)
  assert.is(await store.increment('203.0.113.7/sign-in/email', 1), 41, 'not extended by the later hits')
  await sleep(600)
  assert.is(await store.increment('203.0.113.7/sign-in/email', 1), 1, 'expired a second after its first hit')
})

test("better-auth's own rate limiter on this storage (rateLimit storage 'secondary-storage') refuses past its max", async (ctx) => {
  const auth = betterAuth({
    database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
    secondaryStorage: storage(ctx),
    emailAndPassword: { enabled: true },
    secret: randomBytes(32).toString('hex'),
    baseURL: 'http://localhost:3000',
    rateLimit: { enabled: true, storage: 'secondary-storage', window: 60, max: 3, customRules: { '/sign-in/email': { window: 60, max: 3 } } },
    advanced: { ipAddress: { ipAddressHeaders: ['x-forwarded-for'] } },
    logger: { disabled: true },
  })
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) {
    const response = await auth.handler(
      new Request('http://localhost:3000/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.9' },
        body: JSON.stringify({ email: 'nobody@example.com', password: PASSWORD }),
      }),
    )
    statuses.push(response.status)
  }
  assert.equal(statuses.slice(3), [429, 429], `statuses ${statuses}`)
})

// ---------------------------------------------------------------------------------------
// 6. Everything else reads back as written; unknown keys are stored and reported.

test('guarantee 6: other values read back byte for byte and expire on their ttl; deleted and set again they are stored (no tombstone); an unknown key is stored and warned about once', async (ctx) => {
  const store = storage(ctx)
  const odd = '{"a":"ü \\u2028 \\"quoted\\"","n":1e21}  '
  await store.set('verification:x', odd, 1)
  assert.is(await store.get('verification:x'), odd)
  await store.delete('verification:x')
  await store.set('verification:x', 'again', 60)
  assert.is(await store.get('verification:x'), 'again')
  await store.set('revoked-sessions-before-u1', '1764000000000', 1)
  assert.is(await store.get('revoked-sessions-before-u1'), '1764000000000')
  await sleep(1_200)
  assert.is(await store.get('revoked-sessions-before-u1'), null, 'expired on its ttl')
  const warnings: string[] = []
  const onWarning = (warning: Error) => warnings.push(warning.message)
  process.on('warning', onWarning)
  try {
    await store.set('api-key:abc', 'v1')
    await store.set('api-key:def', 'v2')
    await store.set('tokenlikekeywithoutanyseparator00', '{"not":"a session"}')
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  assert.is(await store.get('api-key:def'), 'v2')
  assert.is(await store.get('tokenlikekeywithoutanyseparator00'), '{"not":"a session"}')
  assert.is(warnings.length, 2, warnings.join('\n'))
  assert.match(warnings[0] as string, /'api-key:\.\.\.' is not a key better-auth 1\.7 writes; it is stored as a plain value/)
  assert.ok(!warnings.join().includes('tokenlikekey'), 'a token-like key is not printed')
  await rejects(() => store.set('', 'x'), TypeError, /key must be a non-empty string/)
  await rejects(() => store.set('k', 5 as never), TypeError, /value must be a string/)
  await rejects(() => store.set('k', 'x', -1), RangeError, /ttl must be a number of seconds/)
})

// ---------------------------------------------------------------------------------------
// 7. No SCAN or KEYS; one slot.

onSingle(test)("guarantee 7: a whole flow sends no SCAN or KEYS, and every key it writes is in the namespace's one slot", async (ctx) => {
  const store = storage(ctx)
  const auth = makeAuth(store)
  await ctx.admin.config('RESETSTAT')
  const first = await signUp(auth, 'ada@example.com')
  await signIns(auth, 'ada@example.com', 5)
  await listed(auth, first)
  await auth.api.revokeOtherSessions({ headers: headersOf(first) })
  await auth.api.updateUser({ headers: headersOf(first), body: { name: 'Ada L.' } })
  await auth.api.revokeSessions({ headers: headersOf(first) })
  const stats = await ctx.admin.info('commandstats')
  assert.not.match(stats, /cmdstat_(scan|keys):/)
  const keys = await ctx.admin.keys('*')
  assert.ok(keys.length > 0)
  for (const key of keys) assert.ok(key.startsWith('{auth}:'), key)
})

test('updateUser reaches every session of the user; a revoked one is not written back by it', async (ctx) => {
  const auth = makeAuth(storage(ctx))
  const first = await signUp(auth, 'ada@example.com')
  const [phone, laptop] = await signIns(auth, 'ada@example.com', 2)
  await auth.api.revokeSession({ headers: headersOf(first), body: { token: await tokenOf(auth, phone as string) } })
  await auth.api.updateUser({ headers: headersOf(first), body: { name: 'Ada L.' } })
  assert.is((await auth.api.getSession({ headers: headersOf(laptop as string) }))?.user.name, 'Ada L.')
  assert.is(await valid(auth, phone as string), false)
})

// ---------------------------------------------------------------------------------------
// Over HTTP: auth.handler on a real server, real cookies.

test(`over HTTP on ${TARGET === 'cluster' ? 'a cluster' : 'one Redis'}: two devices sign in, list, sign out everywhere else`, async (ctx) => {
  const auth = makeAuth(storage(ctx))
  const server = http.createServer(toNodeHandler(auth))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  ctx.cleanup.push(() => new Promise((resolve) => server.close(resolve)))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/auth`
  const post = (path: string, body: unknown, cookie?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    })
  const get = (path: string, cookie: string) => fetch(`${base}${path}`, { headers: { cookie } })
  const up = await post('/sign-up/email', { email: 'ada@example.com', password: PASSWORD, name: 'Ada' })
  assert.is(up.status, 200)
  const laptop = (up.headers.get('set-cookie') as string).split(';')[0] as string
  const signIn = await post('/sign-in/email', { email: 'ada@example.com', password: PASSWORD })
  const phone = (signIn.headers.get('set-cookie') as string).split(';')[0] as string
  const list = (await (await get('/list-sessions', laptop)).json()) as unknown[]
  assert.is(list.length, 2)
  assert.is((await post('/revoke-other-sessions', {}, laptop)).status, 200)
  assert.is(await (await get('/get-session', phone)).json(), null, 'the phone is signed out')
  assert.ok(await (await get('/get-session', laptop)).json(), 'the laptop is not')
  assert.is(((await (await get('/list-sessions', laptop)).json()) as unknown[]).length, 1)
})

test.run()
