/**
 * The client libraries themselves: a plain GET from 64 callers on one connection of each
 * (ioredis 6 and 5, node-redis 5, node-redis 6 on RESP2 and RESP3, Valkey GLIDE 2), profiled: what the
 * client side of a read costs in Node CPU, before any store is involved. The profile table's
 * `plain GET` rows.
 */
import { Redis as Redis5 } from 'ioredis5'
import { createClient as createClient6 } from 'redis'
import { clientFor, DB, glideFor, log, nodeRedisFor, profiled, random, url } from '../harness.js'
import { PROFILE } from '../names.js'

export async function clientsWorkload(): Promise<void> {
  log('plain GET on each client library, 64 callers')
  const seed = clientFor(DB.limit)
  for (let i = 0; i < 10_000; i += 1000) await seed.mset(...Array.from({ length: 1000 }, (_, j) => [`k:${i + j}`, 'x'.repeat(200)]).flat())
  const key = () => `k:${random(10_000)}`
  const io6 = clientFor(DB.limit)
  const io5 = new Redis5(url, { db: DB.limit })
  const nr5 = await nodeRedisFor(DB.limit)
  const nr6 = await createClient6({ url, database: DB.limit, RESP: 2 })
    .on('error', () => undefined)
    .connect()
  const nr6resp3 = await createClient6({ url, database: DB.limit, RESP: 3 })
    .on('error', () => undefined)
    .connect()
  const glide = await glideFor(DB.limit)
  const clients: Array<[string, () => Promise<unknown>]> = [
    ['ioredis 6', () => io6.get(key())],
    ['ioredis 5', () => io5.get(key())],
    ['node-redis 5', () => nr5.get(key())],
    ['node-redis 6, RESP2', () => nr6.get(key())],
    ['node-redis 6, RESP3', () => nr6resp3.get(key())],
    ['Valkey GLIDE 2', () => glide.get(key())],
  ]
  for (const [name, get] of clients) await profiled(PROFILE.clientGet, name, get)
  for (const client of [seed, io6, io5]) client.disconnect()
  await nr6.close()
  await nr6resp3.close()
}
