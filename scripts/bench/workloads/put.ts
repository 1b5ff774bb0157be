/** put from 1 and 64 callers: ours against the seed's pipelined algorithm and the server's ceiling (limit.ts). */
import type { Key } from '../../../src/index.js'
import { alternate, CALLERS, log, ours, oursGlide, oursNodeRedis, profiled, random, record, roundMs, seed, sid, throughput, VALUE } from '../harness.js'
import { PROFILE, PUT_1, PUT_64, PUT_64_PIPELINED } from '../names.js'
import { limit } from './limit.js'

export const USERS = 10_000
const putKey = (): Key => ['user', random(USERS), 'session', sid()]
const putOurs = () => ours.put(putKey(), VALUE)
const putOursNodeRedis = () => oursNodeRedis.put(putKey(), VALUE)
const putOursGlide = () => oursGlide.put(putKey(), VALUE)
const putSeed = () => seed.put(putKey() as never, VALUE)

export async function putWorkload(): Promise<void> {
  log('put with 1 and 64 callers')
  await alternate([
    ['ours', async () => record(PUT_1, 'ours', await throughput(roundMs, 1, putOurs))],
    ['seed', async () => record(PUT_1, 'seed', await throughput(roundMs, 1, putSeed))],
  ])
  await alternate([
    ['ours', async () => record(PUT_64, 'ours', await throughput(roundMs, CALLERS, putOurs))],
    ['ours-nr5', async () => record(PUT_64, 'ours-nr5', await throughput(roundMs, CALLERS, putOursNodeRedis))],
    ['ours-glide', async () => record(PUT_64, 'ours-glide', await throughput(roundMs, CALLERS, putOursGlide))],
    ['seed', async () => record(PUT_64, 'seed', await throughput(roundMs, CALLERS, putSeed))],
    ['limit', async () => record(PUT_64, 'limit', await limit('put (EVALSHA)'))],
  ])
  await alternate([['limit', async () => record(PUT_64_PIPELINED, 'limit', await limit('put (EVALSHA, -P 16)'))]])
  await profiled(PROFILE.put, 'ours', putOurs)
  await profiled(PROFILE.put, 'ours-nr5', putOursNodeRedis)
  await profiled(PROFILE.put, 'ours-glide', putOursGlide)
  await profiled(PROFILE.put, 'seed', putSeed)
}
