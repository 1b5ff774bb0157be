/**
 * better-auth through its own API, on this storage and on @better-auth/redis-storage's commands
 * (the `better-auth-redis` contender, scripts/baselines/better-auth-redis-storage.ts, on
 * ioredis 5 as that package runs): `getSession` per request (64 callers, each its own signed-in
 * user), `signInEmail` (64 callers; each sign-in hashes a password, as in production), and
 * `listSessions` of a user with 100 sessions. One better-auth instance per contender, each with
 * its own memory adapter for users and accounts and its own database.
 */
import { randomBytes } from 'node:crypto'
import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { Redis as Redis5 } from 'ioredis5'
import { redisStorage } from '../../baselines/better-auth-redis-storage.js'
import { betterAuthStorage } from '../built.js'
import { alternate, CALLERS, type Contender, DB, log, nodeRedisFor, quick, record, roundMs, throughput, url } from '../harness.js'
import { AUTH_GET_SESSION, AUTH_SIGN_IN, authListSessions } from '../names.js'

const PASSWORD = 'a password of the benchmark'
const LISTED = quick ? 20 : 100

function auth(secondaryStorage: Parameters<typeof betterAuth>[0]['secondaryStorage']) {
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
type Auth = ReturnType<typeof auth>

export async function betterAuthWorkload(): Promise<void> {
  log('better-auth getSession, signInEmail and listSessions through its API')
  const peerClient = new Redis5(url, { db: DB.authRedis })
  const ours = betterAuthStorage({ redis: await nodeRedisFor(DB.authOurs), namespace: 'auth' })
  const auths: Array<[Contender, Auth]> = [
    ['ours-nr5', auth(ours)],
    ['better-auth-redis', auth(redisStorage({ client: peerClient }))],
  ]
  const users = quick ? 8 : CALLERS
  const cookies = new Map<Contender, string[]>()
  for (const [contender, a] of auths) {
    const list: string[] = []
    for (let u = 0; u < users; u++) {
      const { headers } = await a.api.signUpEmail({ body: { email: `u${u}@example.com`, password: PASSWORD, name: `u${u}` }, returnHeaders: true })
      list.push((headers.get('set-cookie') as string).split(';')[0] as string)
    }
    cookies.set(contender, list)
    // One user with LISTED sessions, signed in one after another (the peer's list loses concurrent sign-ins).
    for (let i = 0; i < LISTED; i++) await a.api.signInEmail({ body: { email: 'u0@example.com', password: PASSWORD } })
  }
  const each = (run: (contender: Contender, a: Auth) => Promise<void>) => auths.map(([contender, a]) => [contender, () => run(contender, a)] as [Contender, () => Promise<void>])
  await alternate(
    each(async (contender, a) => {
      const mine = cookies.get(contender) as string[]
      record(
        AUTH_GET_SESSION,
        contender,
        await throughput(roundMs, CALLERS, (caller) => a.api.getSession({ headers: new Headers({ cookie: mine[caller % mine.length] as string }) })),
      )
    }),
  )
  await alternate(
    each(async (contender, a) => {
      record(
        AUTH_SIGN_IN,
        contender,
        await throughput(roundMs * 2, CALLERS, (caller) => a.api.signInEmail({ body: { email: `u${caller % users}@example.com`, password: PASSWORD } })),
      )
    }),
  )
  await alternate(
    each(async (contender, a) => {
      const headers = new Headers({ cookie: (cookies.get(contender) as string[])[0] as string })
      const t0 = performance.now()
      const found = await a.api.listSessions({ headers })
      record(authListSessions(LISTED), contender, performance.now() - t0)
      if (found.length < LISTED) throw new Error(`${contender} listed ${found.length} of at least ${LISTED} sessions`)
    }),
  )
  await ours.close()
  peerClient.disconnect()
}
