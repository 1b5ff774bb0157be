/** Pow's sign-in flow from 64 callers: ours (plain and checked reads) against the seed. */
import type { Key } from '../../../src/index.js'
import { ANY, type RedisCache } from '../built.js'
import { alternate, CALLERS, flushAll, log, ours, oursChecked, oursGlide, oursNodeRedis, profiled, random, record, roundMs, seed, sid, throughput, VALUE } from '../harness.js'
import { PROFILE, SIGN_IN, SIGN_IN_CHECKED } from '../names.js'
import { USERS } from './put.js'

/** Pow's hot path: write the 3 credentials records, list the user's sessions, read them, revoke one. */
export async function signIn(store: RedisCache) {
  const user = random(USERS)
  const session = sid()
  await store.putMany([
    [session, { user: ['user', user], ...VALUE }],
    [['user', user], VALUE],
    [['user', user, 'session', session], VALUE],
  ])
  const sessions = await store.all(['user', user, 'session', ANY])
  await store.getMany(sessions.map(([key]) => (key as Key[])[3] as Key))
  await store.delete((sessions[0] as [Key, unknown])[0])
}
const signInOurs = () => signIn(ours)
const signInOursNodeRedis = () => signIn(oursNodeRedis)
const signInOursGlide = () => signIn(oursGlide)
const signInChecked = () => signIn(oursChecked)
async function signInSeed() {
  const user = random(USERS)
  const session = sid()
  await seed.putMany([
    [session, { user: ['user', user], ...VALUE }],
    [['user', user], VALUE],
    [['user', user, 'session', session], VALUE],
  ] as never)
  const sessions = await seed.all(['user', user, 'session', ANY])
  await seed.getMany(sessions.map(([key]) => (key as Key[])[3] as never))
  await seed.delete((sessions[0] as [Key, unknown])[0] as never)
}

export async function signInWorkload(): Promise<void> {
  log('sign-in flow with 64 callers')
  await flushAll()
  await alternate([
    ['ours', async () => record(SIGN_IN, 'ours', await throughput(roundMs, CALLERS, signInOurs))],
    ['ours-nr5', async () => record(SIGN_IN, 'ours-nr5', await throughput(roundMs, CALLERS, signInOursNodeRedis))],
    ['ours-glide', async () => record(SIGN_IN, 'ours-glide', await throughput(roundMs, CALLERS, signInOursGlide))],
    ['ours', async () => record(SIGN_IN_CHECKED, 'ours', await throughput(roundMs, CALLERS, signInChecked))],
    ['seed', async () => record(SIGN_IN, 'seed', await throughput(roundMs, CALLERS, signInSeed))],
  ])
  await profiled(PROFILE.signIn, 'ours', signInOurs)
  await profiled(PROFILE.signIn, 'ours-nr5', signInOursNodeRedis)
  await profiled(PROFILE.signIn, 'ours-glide', signInOursGlide)
  await profiled(PROFILE.signIn, 'seed', signInSeed)
}
