/**
 * The integrations of issue 35 beside the peer a user would pick instead:
 * - an Express route limited by express-rate-limit 8: RateLimitStore against rate-limit-redis 6
 *   on node-redis 5 (its README's setup, `sendCommand` to a node-redis client), and ours on
 *   node-redis 5 and ioredis 6; every client has its own key and is never limited, so each
 *   request costs one hit of the store;
 * - unstorage 1.x: getKeys(base) of 100 items, and clear(base) of them, beside `records` other
 *   keys, the driver against unstorage's redis driver (ioredis, SCAN MATCH).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { rateLimit, type Store } from 'express-rate-limit'
import { Redis } from 'ioredis'
import { RedisStore as RateLimitRedis } from 'rate-limit-redis'
import { createStorage, type Driver } from 'unstorage'
import redisDriver from 'unstorage/drivers/redis'
import { prefixCacheDriver, RateLimitStore } from '../built.js'
import { alternate, CALLERS, type Contender, clientFor, DB, log, nodeRedisFor, record, records, roundMs, throughput, url } from '../harness.js'
import { RATE_LIMITED, unstorageClear, unstorageGetKeys } from '../names.js'

function limitedApp(store: Store) {
  const app = express()
  app.use(rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-6', legacyHeaders: false, keyGenerator: (req) => String(req.headers['x-client']), store }))
  app.get('/', (_req, res) => {
    res.send('ok')
  })
  return new Promise<http.Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

function get(agent: http.Agent, port: number, client: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', agent, headers: { 'x-client': `client-${client}` } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

export async function rateLimitWorkload(): Promise<void> {
  log(`express-rate-limit: a limited route, ${CALLERS} clients`)
  const nodeRedis = await nodeRedisFor(DB.rlRedis)
  const oursIoredis = clientFor(DB.rlOurs)
  const oursStores = [new RateLimitStore({ redis: oursIoredis, namespace: 'rl' }), new RateLimitStore({ redis: await nodeRedisFor(DB.rlOurs), namespace: 'rlnr' })]
  const stores: Array<[Contender, Store]> = [
    ['ours', oursStores[0] as unknown as Store],
    ['ours-nr5', oursStores[1] as unknown as Store],
    ['rate-limit-redis', new RateLimitRedis({ sendCommand: (...args: string[]) => nodeRedis.sendCommand(args) as never })],
  ]
  const runs = new Map<Contender, { server: http.Server; port: number; agent: http.Agent }>()
  for (const [contender, store] of stores) {
    const server = await limitedApp(store)
    runs.set(contender, { server, port: (server.address() as AddressInfo).port, agent: new http.Agent({ keepAlive: true, maxSockets: CALLERS }) })
  }
  /** One request of a client of this contender's app. */
  const hit = (contender: Contender) => {
    const { port, agent } = runs.get(contender) as { port: number; agent: http.Agent }
    return (caller: number) => get(agent, port, caller)
  }
  const round = (contender: Contender) => async () => {
    const request = hit(contender)
    const rate = await throughput(roundMs, CALLERS, async (caller) => {
      const status = await request(caller)
      if (status !== 200) throw new Error(`${contender}: ${status}`)
    })
    record(RATE_LIMITED, contender, rate)
  }
  // One unrecorded round each first: the first requests of a server warm up the JIT.
  for (const [contender] of stores) await throughput(roundMs, CALLERS, hit(contender))
  await alternate(stores.map(([contender]) => [contender, round(contender)]))
  for (const { server, agent } of runs.values()) {
    agent.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
  for (const store of oursStores) await store.shutdown()
  oursIoredis.disconnect()
}

export async function unstorageWorkload(): Promise<void> {
  log(`unstorage: getKeys(base) and clear(base) of 100 items beside ${records} other keys`)
  const base = url.replace(/\/\d*$/, '')
  const oursClient = clientFor(DB.unsOurs)
  const drivers: Array<[Contender, Driver]> = [
    ['ours', prefixCacheDriver({ redis: oursClient, namespace: 'bench' }) as unknown as Driver],
    ['unstorage-redis', redisDriver({ url: `${base}/${DB.unsRedis}`, base: 'bench' })],
  ]
  for (const db of [DB.unsOurs, DB.unsRedis]) {
    const filler = new Redis(url, { db })
    for (let i = 0; i < records; i += 1000) {
      const args: string[] = []
      for (let j = i; j < Math.min(records, i + 1000); j++) args.push(`other:${j}`, 'x'.repeat(50))
      await filler.mset(...args)
    }
    filler.disconnect()
  }
  const items = Array.from({ length: 100 }, (_, i) => ({ key: `users:42:item${i}`, value: JSON.stringify({ i }) }))
  const storages = new Map(drivers.map(([contender, driver]) => [contender, createStorage({ driver })]))
  const fill = async (contender: Contender) => {
    await storages.get(contender)?.setItems(items)
  }
  for (const [contender] of drivers) await fill(contender)
  const listOnce = (contender: Contender) => async () => {
    const t0 = performance.now()
    const keys = (await storages.get(contender)?.getKeys('users:42')) ?? []
    record(unstorageGetKeys(records), contender, performance.now() - t0)
    if (keys.length !== 100) throw new Error(`${contender}: getKeys found ${keys.length} keys`)
  }
  await alternate(drivers.map(([contender]) => [contender, listOnce(contender)]))
  const clearOnce = (contender: Contender, driver: Driver) => async () => {
    await fill(contender)
    const t0 = performance.now()
    await driver.clear?.('users:42:', {})
    record(unstorageClear(records), contender, performance.now() - t0)
    if ((await storages.get(contender)?.hasItem('users:42:item0')) !== false) throw new Error(`${contender}: clear(base) left items`)
  }
  await alternate(drivers.map(([contender, driver]) => [contender, clearOnce(contender, driver)]))
  for (const storage of storages.values()) await storage.dispose()
  oursClient.disconnect()
}
