/** Keyv get, set and clear(): this adapter against @keyv/redis, both under Keyv 5 (what cache-manager 7 uses). */
import KeyvRedis from '@keyv/redis'
import Keyv from 'keyv'
import { KeyvPrefixCache } from '../built.js'
import {
  alternate,
  CALLERS,
  clientFor,
  type Contender,
  DB,
  glideFor,
  log,
  nodeRedisFor,
  profiled,
  random,
  record,
  records,
  roundMs,
  throughput,
  TTL,
  url,
  VALUE,
} from '../harness.js'
import { KEYV_GET, KEYV_SET, keyvClear, PROFILE } from '../names.js'

export async function keyvWorkload(): Promise<void> {
  log('Keyv get and set with 64 callers, and clear() of a namespace beside many other keys')
  const keyvOursClient = clientFor(DB.keyvOurs)
  const keyvOurs = new Keyv({ store: new KeyvPrefixCache({ redis: keyvOursClient }), namespace: 'bench' })
  // The same adapter on a node-redis 5 client, the client @keyv/redis itself is built on.
  const keyvOursNodeRedis = new Keyv({ store: new KeyvPrefixCache({ redis: await nodeRedisFor(DB.keyvOurs) }), namespace: 'bench' })
  const keyvOursGlide = new Keyv({ store: new KeyvPrefixCache({ redis: await glideFor(DB.keyvOurs) }), namespace: 'bench' })
  // @keyv/redis as its README sets it up: the adapter prefixes keys with its namespace itself.
  const keyvRedisStore = new KeyvRedis(`${url.replace(/\/\d*$/, '')}/${DB.keyvRedis}`, { namespace: 'bench' })
  const keyvRedis = new Keyv({ store: keyvRedisStore, namespace: 'bench', useKeyPrefix: false })
  const KEYV_KEYS = 10_000
  const keyvKey = () => `user:${random(KEYV_KEYS)}`
  const keyvValue = { ...VALUE }
  for (let i = 0; i < KEYV_KEYS; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => ({ key: `user:${i + j}`, value: keyvValue, ttl: TTL }))
    await keyvOurs.setMany(batch)
    await keyvRedis.setMany(batch)
  }
  await alternate([
    ['ours', async () => record(KEYV_GET, 'ours', await throughput(roundMs, CALLERS, () => keyvOurs.get(keyvKey())))],
    ['ours-nr5', async () => record(KEYV_GET, 'ours-nr5', await throughput(roundMs, CALLERS, () => keyvOursNodeRedis.get(keyvKey())))],
    ['ours-glide', async () => record(KEYV_GET, 'ours-glide', await throughput(roundMs, CALLERS, () => keyvOursGlide.get(keyvKey())))],
    ['keyv-redis', async () => record(KEYV_GET, 'keyv-redis', await throughput(roundMs, CALLERS, () => keyvRedis.get(keyvKey())))],
  ])
  await alternate([
    ['ours', async () => record(KEYV_SET, 'ours', await throughput(roundMs, CALLERS, () => keyvOurs.set(keyvKey(), keyvValue, TTL)))],
    ['ours-nr5', async () => record(KEYV_SET, 'ours-nr5', await throughput(roundMs, CALLERS, () => keyvOursNodeRedis.set(keyvKey(), keyvValue, TTL)))],
    ['ours-glide', async () => record(KEYV_SET, 'ours-glide', await throughput(roundMs, CALLERS, () => keyvOursGlide.set(keyvKey(), keyvValue, TTL)))],
    ['keyv-redis', async () => record(KEYV_SET, 'keyv-redis', await throughput(roundMs, CALLERS, () => keyvRedis.set(keyvKey(), keyvValue, TTL)))],
  ])
  await profiled(PROFILE.keyvGet, 'ours', () => keyvOurs.get(keyvKey()))
  await profiled(PROFILE.keyvGet, 'ours-nr5', () => keyvOursNodeRedis.get(keyvKey()))
  await profiled(PROFILE.keyvGet, 'keyv-redis', () => keyvRedis.get(keyvKey()))
  await profiled(PROFILE.keyvSet, 'ours', () => keyvOurs.set(keyvKey(), keyvValue, TTL))
  await profiled(PROFILE.keyvSet, 'ours-nr5', () => keyvOursNodeRedis.set(keyvKey(), keyvValue, TTL))
  await profiled(PROFILE.keyvSet, 'keyv-redis', () => keyvRedis.set(keyvKey(), keyvValue, TTL))
  // clear(): 10k records of the namespace, while the same database holds `records` other keys.
  const others = records
  log(`  filling ${others} other keys beside each contender's namespace`)
  for (const db of [DB.keyvOurs, DB.keyvRedis]) {
    const filler = clientFor(db)
    for (let i = 0; i < others; i += 1000) {
      const args: string[] = []
      for (let j = i; j < Math.min(others, i + 1000); j++) args.push(`other:${j}`, 'x'.repeat(50))
      await filler.mset(...args)
    }
    filler.disconnect()
  }
  // The namespace cleared holds exactly KEYV_KEYS records: its own Keyv namespace, beside the
  // get/set workloads' 'bench' namespace (which stays, among the others).
  const keyvClearOurs = new Keyv({ store: new KeyvPrefixCache({ redis: keyvOursClient }), namespace: 'clear' })
  const keyvClearRedis = new Keyv({ store: new KeyvRedis(`${url.replace(/\/\d*$/, '')}/${DB.keyvRedis}`, { namespace: 'clear' }), namespace: 'clear', useKeyPrefix: false })
  const clearKeyv = async (keyv: typeof keyvOurs, contender: Contender) => {
    for (let i = 0; i < KEYV_KEYS; i += 500) await keyv.setMany(Array.from({ length: 500 }, (_, j) => ({ key: `c:${i + j}`, value: 1, ttl: TTL })))
    const t0 = performance.now()
    await keyv.clear()
    record(keyvClear(others), contender, performance.now() - t0)
    if ((await keyv.get('c:1')) !== undefined) throw new Error(`${contender} clear() left records`)
    if ((await (contender === 'ours' ? keyvOurs : keyvRedis).get('user:0')) === undefined) throw new Error(`${contender} clear() removed another namespace's records`)
  }
  await alternate([
    ['ours', () => clearKeyv(keyvClearOurs, 'ours')],
    ['keyv-redis', () => clearKeyv(keyvClearRedis, 'keyv-redis')],
  ])
  await keyvClearRedis.disconnect()
  await keyvClearOurs.disconnect()
  await keyvOurs.disconnect()
  await keyvOursNodeRedis.disconnect()
  await keyvOursGlide.disconnect()
  keyvOursClient.disconnect()
  await keyvRedis.disconnect()
}
