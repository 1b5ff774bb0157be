/**
 * npm start: a tour of the store on an embedded redis-server (or on $REDIS_URL).
 * Signs two users in, lists one user's sessions by prefix, revokes them, lets a record
 * expire, and prints the keys as redis-cli shows them.
 */
import { Redis } from 'ioredis'
import { ANY, REST, RedisCache } from '../src/index.js'
import { startRedis, type EmbeddedRedis } from './embedded-redis.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let embedded: EmbeddedRedis | undefined
const url = process.env.REDIS_URL ?? (embedded = await startRedis()).url
console.log(embedded ? `Started an embedded redis-server at ${url}` : `Using REDIS_URL ${url}`)

const namespace = 'demo'
const cache = new RedisCache({ redis: url, namespace, ttl: 30 * 60_000 })
const admin = new Redis(url)

try {
  await cache.clear()

  // One sign-in writes Pow's three credentials records in one atomic call.
  const signIn = (userId: number, sessionId: string, device: string) =>
    cache.putMany([
      [sessionId, { user: ['user', userId], device }],
      [['user', userId], { id: userId, email: `user${userId}@example.com` }],
      [['user', userId, 'session', sessionId], new Date()],
    ])
  await signIn(42, 'sid-laptop', 'laptop')
  await signIn(42, 'sid-phone', 'phone')
  await signIn(42, 'sid-tablet', 'tablet')
  await signIn(7, 'sid-desk', 'desktop')

  console.log('\nSessions of user 42, from the index of [user, 42, session]:')
  for (const [key, signedInAt] of await cache.all(['user', 42, 'session', ANY])) {
    console.log('  ', key, 'signed in at', (signedInAt as Date).toISOString())
  }

  console.log('\nEverything under [user, 42], however deep (REST):')
  for (const [key] of await cache.all(['user', 42, REST])) console.log('  ', key)

  console.log('\nThe keys as redis-cli shows them (KEYS *, sorted):')
  for (const key of (await admin.keys(`{${namespace}}*`)).sort()) {
    console.log(`   ${(await admin.type(key)).padEnd(6)} ${key}`)
  }

  const revoked = await cache.deleteAll(['user', 42, 'session', ANY])
  console.log(`\nRevoked all sessions of user 42: ${revoked} removed`)
  console.log('Sessions of user 42 now:', await cache.all(['user', 42, 'session', ANY]))
  console.log(
    'Sessions of user 7 still:',
    (await cache.all(['user', 7, 'session', ANY])).map(([key]) => key),
  )

  await cache.put('reset-token', { user: 7 }, { ttl: 300 })
  console.log(`\nA reset token with a 300 ms ttl: ${JSON.stringify(await cache.get('reset-token'))}, ${await cache.ttl('reset-token')} ms left`)
  await sleep(400)
  console.log(`400 ms later: ${await cache.get('reset-token')}, and listed by ANY: ${(await cache.all(ANY)).some(([key]) => key === 'reset-token')}`)

  await cache.add('magic-link', { user: 7 }, { ttl: 60_000 })
  const takers = await Promise.all([cache.take('magic-link'), cache.take('magic-link'), cache.take('magic-link')])
  console.log(`\nA magic link taken by three racing requests: ${takers.map((t) => (t === undefined ? 'undefined' : JSON.stringify(t))).join(', ')} (one gets it, once)`)
  console.log(
    `add() of a lock twice: ${await cache.add(['lock', 'job'], 'me')}, then ${await cache.add(['lock', 'job'], 'you')}; count(['lock', REST]) = ${await cache.count(['lock', REST])}`,
  )

  console.log(`\nclear() removed the remaining ${await cache.clear()} records of namespace '${namespace}'.`)
} finally {
  await cache.close()
  await admin.quit()
  await embedded?.stop()
}
