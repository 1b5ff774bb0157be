/**
 * Keyv's own compliance suite, @keyv/test-suite 2.1.2, as @keyv/redis runs it
 * (keyvTestSuite and keyvIteratorTests, with Keyv 5), against KeyvPrefixCache on a real
 * redis-server. It runs under vitest: the suite takes vitest's test API as an argument.
 *
 * One test of the suite, "iterator() doesn't yield values from other namespaces", puts two
 * Keyvs of different namespaces on one adapter. This adapter refuses that (Keyv's calls do
 * not say which Keyv makes them, so the two would list and clear each other's records: see
 * the namespace setter), so that test runs here as a port: the same steps and assertions,
 * with one adapter per namespace over one shared RedisCache, plus the check that the
 * suite's own setup is refused with a TypeError.
 *
 * With TEST_CLIENT=glide the adapters share a Valkey GLIDE client instead of an ioredis one
 * (CI runs the suite so too).
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
  if (process.env.TEST_CLIENT === 'glide') {
    const { GlideClient, Logger } = await import('@valkey/valkey-glide')
    Logger.setLoggerConfig('off')
    client = (await GlideClient.createClient({ addresses: [{ host: server.host, port: server.port }], requestTimeout: 20_000 })) as unknown as Redis
  } else {
    client = new Redis(server.url)
  }
})
test.afterAll(async () => {
  if (process.env.TEST_CLIENT === 'glide') (client as unknown as { close(): void }).close()
  else await client.quit()
  await server.stop()
})

// A new adapter per Keyv, as the suite asks; all share one client, which the test owns.
const store = () => new KeyvPrefixCache({ redis: client })

const SHARED_ADAPTER_TEST = "iterator() doesn't yield values from other namespaces"

/** The suite's shared-adapter test, ported to an adapter per namespace over one RedisCache. */
async function otherNamespacesPort(t: { expect: typeof test.expect }): Promise<void> {
  const shared = new KeyvPrefixCache({ redis: client })
  const keyv1 = new Keyv({ store: shared, namespace: 'keyv1' })
  t.expect(() => new Keyv({ store: shared, namespace: 'keyv2' })).toThrow(/already serves the Keyv of namespace "keyv1"/)
  const map1 = new Map(
    Array.from({ length: 5 })
      .fill(0)
      .map((_x, i) => [String(i), String(i + 10)]),
  )
  await Promise.all([...map1].map(([key, value]) => keyv1.set(key, value)))
  const keyv2 = new Keyv({ store: new KeyvPrefixCache({ cache: shared.cache }), namespace: 'keyv2' })
  const map2 = new Map(
    Array.from({ length: 5 })
      .fill(0)
      .map((_x, i) => [String(i), String(i + 11)]),
  )
  await Promise.all([...map2].map(([key, value]) => keyv2.set(key, value)))
  t.expect.assertions(map2.size + 1)
  for await (const [key, value] of keyv2.iterator!(undefined)) {
    const doesKeyExist = map2.has(key)
    const isValueSame = map2.get(key) === value
    t.expect(doesKeyExist && isValueSame).toBeTruthy()
  }
}

// vitest's API as the suite sees it, with that one test replaced by its port.
const api = {
  ...test,
  it: ((name: string, fn: (...args: never[]) => unknown, ...rest: never[]) =>
    name === SHARED_ADAPTER_TEST ? test.it(`${name} (port: an adapter per namespace)`, otherNamespacesPort as never) : test.it(name, fn, ...rest)) as typeof test.it,
}

keyvTestSuite(api as typeof test, Keyv, store)
keyvIteratorTests(api as typeof test, Keyv, store)
