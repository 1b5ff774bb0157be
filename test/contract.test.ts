/**
 * The API contract (contract.ts) on a single Redis, with one bucket and with 64, and once
 * more through clients of ioredis 5 (ioredis is a peer dependency: ^5.4 or ^6), node-redis 5
 * and 6, Valkey GLIDE and iovalkey.
 */
// test-targets: single
// test-clients: ioredis
import { GlideClient, Logger } from '@valkey/valkey-glide'
import { Redis } from 'ioredis'
import { Redis as Valkey } from 'iovalkey'
import { Redis as Redis5 } from 'ioredis5'
import { startRedis, type EmbeddedRedis } from '../scripts/embedded-redis.js'
import { RedisCache, type RedisCacheArgs } from '../src/index.js'
import { contractSuite, type Target } from './contract.js'

let server: EmbeddedRedis
let admin: Redis
const target = (): Target => ({
  cache: (options = {}) => new RedisCache(...([{ ...options, redis: server.url }] as RedisCacheArgs<never>)),
  reset: async () => void (await admin.flushall()),
})

for (const buckets of [1, 64]) {
  const test = contractSuite(`contract, single Redis, ${buckets} bucket(s)`, target, { buckets, bucketBy: 2 })
  test.before(async () => {
    server = await startRedis()
    admin = new Redis(server.url)
  })
  test.after(async () => {
    await admin.quit()
    await server.stop()
  })
  test.run()
}

const v5Clients: Redis5[] = []
const v5Target = (): Target => ({
  cache: (options = {}) => {
    const client = new Redis5(server.url)
    v5Clients.push(client)
    // Types of the dev copy of ioredis 6 here; tsconfig.ioredis5.json checks the types an ioredis 5 user sees.
    return new RedisCache(...([{ ...options, redis: client as unknown as Redis }] as RedisCacheArgs<never>))
  },
  reset: async () => {
    await Promise.all(v5Clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())))
    await admin.flushall()
  },
})
const v5 = contractSuite('contract, single Redis, ioredis 5 client', v5Target)
v5.before(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
})
v5.after(async () => {
  await Promise.all(v5Clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())))
  await admin.quit()
  await server.stop()
})
v5.run()

// node-redis clients (redis 5 and 6), connected by the test as an application would: the
// store takes them as they are and leaves them open.
const redis5 = await import('redis5')
const redis6 = await import('redis')
for (const [name, createClient] of [
  ['node-redis 5', (url: string) => redis5.createClient({ url })],
  ['node-redis 6', (url: string) => redis6.createClient({ url })],
] as const) {
  const clients: Array<{ close(): Promise<unknown> }> = []
  const nodeTarget = (): Target => ({
    cache: (options = {}) => {
      const client = createClient(server.url)
      client.on('error', () => undefined)
      client.connect().catch(() => undefined)
      clients.push(client)
      return new RedisCache(...([{ ...options, redis: client }] as RedisCacheArgs<never>))
    },
    reset: async () => {
      await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)))
      await admin.flushall()
    },
  })
  const suite = contractSuite(`contract, single Redis, ${name} client`, nodeTarget)
  suite.before(async () => {
    server = await startRedis()
    admin = new Redis(server.url)
  })
  suite.after(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)))
    await admin.quit()
    await server.stop()
  })
  suite.run()
}

// Valkey GLIDE (made asynchronously: one client for the suite, which no store closes) and
// iovalkey (Valkey's fork of ioredis, a client per store).
Logger.setLoggerConfig('off')
let glide: GlideClient | undefined
const glideSuite = contractSuite('contract, single Redis, Valkey GLIDE client', () => ({
  cache: (options = {}) => new RedisCache(...([{ ...options, redis: glide }] as RedisCacheArgs<never>)),
  reset: async () => void (await admin.flushall()),
}))
glideSuite.before(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
  glide = await GlideClient.createClient({ addresses: [{ host: server.host, port: server.port }], requestTimeout: 10_000 })
})
glideSuite.after(async () => {
  glide?.close()
  await admin.quit()
  await server.stop()
})
glideSuite.run()

const valkeyClients: Array<InstanceType<typeof Valkey>> = []
const valkeySuite = contractSuite('contract, single Redis, iovalkey client', () => ({
  cache: (options = {}) => {
    const client = new Valkey(server.url)
    valkeyClients.push(client)
    return new RedisCache(...([{ ...options, redis: client as unknown as Redis }] as RedisCacheArgs<never>))
  },
  reset: async () => {
    await Promise.all(valkeyClients.splice(0).map((client) => client.quit().catch(() => client.disconnect())))
    await admin.flushall()
  },
}))
valkeySuite.before(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
})
valkeySuite.after(async () => {
  await Promise.all(valkeyClients.splice(0).map((client) => client.quit().catch(() => client.disconnect())))
  await admin.quit()
  await server.stop()
})
valkeySuite.run()
