/** get from 64 callers: plain reads, checked reads (a server that evicts), the seed, and GET and SET from redis-benchmark. */
import type { Key } from '../../../src/index.js'
import { encodeKey } from '../../../src/keys.js'
import { namespaceBase, valueKey } from '../../../src/layout.js'
import {
  alternate,
  CALLERS,
  ours,
  oursChecked,
  oursGlide,
  oursNodeRedis,
  log,
  profiled,
  profiledAlternating,
  random,
  record,
  roundMs,
  seed,
  throughput,
  VALUE,
} from '../harness.js'
import { GET_64, GET_64_CHECKED, PROFILE, SET_64 } from '../names.js'
import { limit } from './limit.js'

export async function getWorkload(): Promise<void> {
  log('get with 64 callers')
  const getKeys: Key[] = Array.from({ length: 10_000 }, (_, i) => ['user', i, 'session', 's'])
  for (let i = 0; i < getKeys.length; i += 1000) {
    const batch = getKeys.slice(i, i + 1000).map((key): [Key, unknown] => [key, VALUE])
    await ours.putMany(batch)
    await seed.putMany(batch as never)
  }
  await alternate([
    ['ours', async () => record(GET_64, 'ours', await throughput(roundMs, CALLERS, () => ours.get(getKeys[random(getKeys.length)] as Key)))],
    ['ours-nr5', async () => record(GET_64, 'ours-nr5', await throughput(roundMs, CALLERS, () => oursNodeRedis.get(getKeys[random(getKeys.length)] as Key)))],
    ['ours-glide', async () => record(GET_64, 'ours-glide', await throughput(roundMs, CALLERS, () => oursGlide.get(getKeys[random(getKeys.length)] as Key)))],
    ['ours', async () => record(GET_64_CHECKED, 'ours', await throughput(roundMs, CALLERS, () => oursChecked.get(getKeys[random(getKeys.length)] as Key)))],
    ['seed', async () => record(GET_64, 'seed', await throughput(roundMs, CALLERS, () => seed.get(getKeys[random(getKeys.length)] as never)))],
    ['limit', async () => record(GET_64, 'limit', await limit('GET'))],
  ])
  await alternate([['limit', async () => record(SET_64, 'limit', await limit('SET'))]])
  // store.get and a bare GET of the same record on the same node-redis 5 client: what the store adds in Node CPU.
  const client = oursNodeRedis.redis as unknown as { get(key: string): Promise<string | null> }
  const rawKeys = getKeys.map((key) => valueKey(namespaceBase('bench'), encodeKey(key)))
  if ((await client.get(rawKeys[0] as string)) === null) throw new Error("get beside the bare client: the raw key is not the store's")
  await profiledAlternating(PROFILE.getBeside, [
    ['ours-nr5', () => oursNodeRedis.get(getKeys[random(getKeys.length)] as Key)],
    ['bare-nr5', () => client.get(rawKeys[random(rawKeys.length)] as string)],
  ])
  await profiled(PROFILE.get, 'ours', () => ours.get(getKeys[random(getKeys.length)] as Key))
  await profiled(PROFILE.get, 'ours-nr5', () => oursNodeRedis.get(getKeys[random(getKeys.length)] as Key))
  await profiled(PROFILE.get, 'ours-glide', () => oursGlide.get(getKeys[random(getKeys.length)] as Key))
  // The same beside a bare GET on the GLIDE client: what the store adds there (for information).
  const glide = oursGlide.redis as unknown as { get(key: string): Promise<unknown> }
  await profiledAlternating(PROFILE.getBesideGlide, [
    ['ours-glide', () => oursGlide.get(getKeys[random(getKeys.length)] as Key)],
    ['bare-glide', () => glide.get(rawKeys[random(rawKeys.length)] as string)],
  ])
}
