/**
 * Keyv's own compliance suite, @keyv/test-suite 2.1.2, as @keyv/redis runs it
 * (keyvTestSuite and keyvIteratorTests, with Keyv 5), against KeyvPrefixCache on a real
 * redis-server. It runs under vitest: the suite takes vitest's test API as an argument.
 */
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite'
import { Redis } from 'ioredis'
import Keyv from 'keyv'
import * as test from 'vitest'
import { startRedis, type EmbeddedRedis } from '../../scripts/embedded-redis.js'
import { KeyvPrefixCache } from '../../src/keyv/index.js'

let server: EmbeddedRedis
let client: Redis

test.beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.url)
})
test.afterAll(async () => {
  await client.quit()
  await server.stop()
})

// A new adapter per Keyv, as the suite asks; all share one client, which the test owns.
const store = () => new KeyvPrefixCache({ redis: client })

keyvTestSuite(test, Keyv, store)
keyvIteratorTests(test, Keyv, store)
