/**
 * TLS, against a real redis-server with a tls-port and certificates this test makes with
 * openssl (a CA, the server's certificate for 127.0.0.1, a client certificate: Redis
 * requires one, mutual TLS). On an ioredis client the store makes from a rediss:// URL, an
 * ioredis client passed in and a node-redis 5 client passed in, every capability works
 * over TLS: writes, reads, listing, expiry events (whose subscriber is a connection of its
 * own), the session store and the Keyv adapter. And each way TLS goes wrong fails fast (well
 * within the call's timeout) with an error that says it is TLS and that nothing was sent,
 * and writes nothing: a certificate the client does not trust, no client certificate, and
 * a rediss:// URL on Redis's plain-text port (where the handshake would hang until the
 * client's connect timeout).
 */
// test-targets: single
// test-clients: ioredis
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type RedisProcess, spawnRedisServer } from '../scripts/embedded-redis.js'
import { ANY, CacheOperationError, type Key, RedisCache, type RedisCacheOptions } from '../src/index.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
import { RedisSessionStore } from '../src/session/index.js'
import { freePort, sleep } from './helpers.js'

interface Certs {
  ca: Buffer
  cert: Buffer
  key: Buffer
  /** A CA that signed nothing the server has. */
  otherCa: Buffer
}
interface Ctx {
  dir: string
  server: RedisProcess
  tlsPort: number
  certs: Certs
  admin: Redis
}

const test = suite<Ctx>('tls', {} as Ctx)
const TIMEOUT = 3000

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

/** A CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and an unrelated CA. */
function makeCerts(dir: string): Certs {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=redis-prefix-cache test CA')
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=another CA')
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  for (const name of ['server', 'client']) {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? 'localhost' : 'client'}`)
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'san.ext')
  }
  const read = (file: string) => readFileSync(join(dir, file))
  return { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key'), otherCa: read('other.crt') }
}

test.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'redis-tls-'))
  ctx.certs = makeCerts(ctx.dir)
  ctx.tlsPort = await freePort()
  const tls = ['--tls-port', String(ctx.tlsPort), '--tls-cert-file', 'server.crt', '--tls-key-file', 'server.key', '--tls-ca-cert-file', 'ca.crt', '--tls-auth-clients', 'yes']
  ctx.server = await spawnRedisServer(await freePort(), ctx.dir, [...tls.map((arg) => (arg.endsWith('.crt') || arg.endsWith('.key') ? join(ctx.dir, arg) : arg))])
  ctx.admin = new Redis(ctx.server.url) // the plain-text port, to look at what was written
})
test.before.each(async ({ admin }) => {
  await admin.flushall()
  await admin.config('SET', 'notify-keyspace-events', 'Ex')
})
test.after(async (ctx) => {
  await ctx.admin.quit()
  await ctx.server.kill()
  rmSync(ctx.dir, { recursive: true, force: true })
})

type Make = (ctx: Ctx) => Promise<{ redis: RedisCacheOptions['redis']; redisOptions?: RedisCacheOptions['redisOptions']; close(): Promise<void> }>

const clients: Array<[string, Make]> = [
  [
    'an ioredis client made from a rediss:// URL',
    async ({ tlsPort, certs }) => ({
      redis: `rediss://127.0.0.1:${tlsPort}`,
      redisOptions: { tls: { ca: certs.ca, cert: certs.cert, key: certs.key } },
      close: async () => undefined,
    }),
  ],
  [
    'an ioredis client passed in',
    async ({ tlsPort, certs }) => {
      const client = new Redis(`rediss://127.0.0.1:${tlsPort}`, { tls: { ca: certs.ca, cert: certs.cert, key: certs.key } })
      return { redis: client, close: async () => void (await client.quit()) }
    },
  ],
  [
    'a node-redis 5 client passed in',
    async ({ tlsPort, certs }) => {
      const { createClient } = await import('redis5')
      const client = createClient({ url: `rediss://127.0.0.1:${tlsPort}`, socket: { tls: true, ca: certs.ca, cert: certs.cert, key: certs.key } })
      client.on('error', () => undefined)
      await client.connect()
      return { redis: client as unknown as RedisCacheOptions['redis'], close: async () => void (await client.close()) }
    },
  ],
]

for (const [name, make] of clients) {
  test(`every capability over mutual TLS, on ${name}: writes, reads, listing, expiry events, sessions, Keyv`, async (ctx) => {
    const { redis, redisOptions, close } = await make(ctx)
    const store = new RedisCache({ redis, ...(redisOptions ? { redisOptions } : {}), timeout: TIMEOUT })
    const sessions = new RedisSessionStore({ redis, ...(redisOptions ? { redisOptions } : {}), userOf: (session) => (session as { user?: string }).user })
    const keyv = new KeyvPrefixCache({ redis, ...(redisOptions ? { redisOptions } : {}), namespace: 'kv' })
    try {
      await store.put(['user', 1, 'name'], 'Ada')
      await store.putMany([
        [['user', 1, 'mail'], 'ada@example.org'],
        [['user', 2, 'name'], 'Grace'],
      ])
      assert.is(await store.get(['user', 1, 'name']), 'Ada')
      assert.equal((await store.all(['user', 1, ANY])).length, 2)
      assert.is(await store.count(['user', ANY, ANY]), 3)
      assert.ok(await store.delete(['user', 2, 'name']))

      const expired: Key[] = []
      store.on('expired', (key) => expired.push(key))
      await store.watch()
      await store.put('soon', 1, { ttl: 50 })
      for (let i = 0; i < 100 && expired.length === 0; i++) await sleep(30)
      assert.equal(expired, ['soon'], 'the expiry event came over the subscriber’s own TLS connection')

      await sessions.set('sid-1', { cookie: { maxAge: 60_000 }, user: 'ada' } as never)
      assert.equal(((await sessions.get('sid-1')) as { user?: string } | null)?.user, 'ada')
      assert.equal(
        (await sessions.sessionsOf('ada')).map((s) => s.id),
        ['sid-1'],
      )

      assert.ok(await keyv.set('k', 'v'))
      assert.is(await keyv.get('k'), 'v')

      assert.is(await ctx.admin.get('{cache}:user:1:name'), '{"json":"Ada"}', 'written on the same server, read over its plain port')
      assert.ok((await store.verify()).ok)
    } finally {
      await store.close()
      await sessions.close?.()
      await keyv.disconnect?.()
      await close()
    }
  })
}

/** Runs one put on a store that cannot connect, and answers its error and how long it took. */
async function failingPut(store: RedisCache): Promise<{ error: CacheOperationError; ms: number }> {
  const start = performance.now()
  const error = await store.put('never', 1).then(
    () => assert.unreachable('the put resolved'),
    (e: unknown) => e,
  )
  const ms = performance.now() - start
  assert.instance(error, CacheOperationError)
  await store.close().catch(() => undefined)
  return { error: error as CacheOperationError, ms }
}

test('a certificate the client does not trust: fails at once, saying TLS and what to pass; nothing written', async ({ tlsPort, certs, admin }) => {
  for (const ca of [certs.otherCa, undefined]) {
    const { error, ms } = await failingPut(
      new RedisCache({ redis: `rediss://127.0.0.1:${tlsPort}`, redisOptions: { tls: { ...(ca ? { ca } : {}), cert: certs.cert, key: certs.key } }, timeout: TIMEOUT }),
    )
    assert.ok(ms < 1000, `${Math.round(ms)} ms`)
    assert.match(
      error.message,
      /TLS: the server's certificate is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)\): pass the CA/,
    )
    assert.match(error.message, /nothing was sent/)
    assert.is(error.sent, false)
  }
  const { createClient } = await import('redis5')
  const client = createClient({ url: `rediss://127.0.0.1:${tlsPort}`, socket: { tls: true, ca: certs.otherCa, cert: certs.cert, key: certs.key, reconnectStrategy: false } })
  client.on('error', () => undefined)
  client.connect().catch(() => undefined)
  const { error, ms } = await failingPut(new RedisCache({ redis: client as unknown as RedisCacheOptions['redis'], timeout: TIMEOUT }))
  assert.ok(ms < 1000, `node-redis: ${Math.round(ms)} ms`)
  assert.match(error.message, /TLS: the server's certificate is not trusted/)
  assert.is(await admin.dbsize(), 0)
})

test('no client certificate where Redis requires one: fails at once, saying TLS; nothing written', async ({ tlsPort, certs, admin }) => {
  const { error, ms } = await failingPut(new RedisCache({ redis: `rediss://127.0.0.1:${tlsPort}`, redisOptions: { tls: { ca: certs.ca } }, timeout: TIMEOUT }))
  assert.ok(ms < 1500, `${Math.round(ms)} ms`)
  // The alert, or the reset that can beat it: either way the message says TLS and what Redis needs.
  assert.match(
    error.message,
    /TLS: (the handshake failed \(ERR_SSL_\w*CERTIFICATE_REQUIRED\)|the server closed the connection during the TLS handshake \(ECONNRESET\)): with tls-auth-clients on, Redis needs a client certificate it trusts/,
  )
  assert.is(error.sent, false)
  assert.is(await admin.dbsize(), 0)
})

test("a rediss:// URL on Redis's plain-text port: fails fast (not at the connect timeout), saying the port answers plain text; nothing written", async ({
  server,
  certs,
  admin,
}) => {
  const url = `rediss://127.0.0.1:${server.port}`
  const ioredisStore = new RedisCache({ redis: url, redisOptions: { tls: { ca: certs.ca } }, timeout: TIMEOUT })
  const io = await failingPut(ioredisStore)
  const { createClient } = await import('redis5')
  const client = createClient({ url, socket: { tls: true, ca: certs.ca } })
  client.on('error', () => undefined)
  client.connect().catch(() => undefined)
  const nr = await failingPut(new RedisCache({ redis: client as unknown as RedisCacheOptions['redis'], timeout: TIMEOUT }))
  client.destroy()
  for (const [who, { error, ms }] of [
    ['ioredis', io],
    ['node-redis', nr],
  ] as const) {
    assert.ok(ms < 1500, `${who}: ${Math.round(ms)} ms, with a timeout of ${TIMEOUT}`)
    assert.match(error.message, /TLS: 127\.0\.0\.1:\d+ answers in plain text, so the TLS handshake cannot complete: a rediss:\/\/ URL \(or tls option\) needs Redis's tls-port/)
    assert.is(error.sent, false)
  }
  assert.is(await admin.dbsize(), 0)
})

test.run()
