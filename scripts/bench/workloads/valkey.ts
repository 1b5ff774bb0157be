/**
 * put and get on a valkey-server beside the redis-server of the other workloads: the same
 * store on a node-redis 5 client on each, 64 callers, the two servers alternating round by
 * round. The valkey-server: $VALKEY_SERVER, else the one scripts/valkey.sh builds (once) from
 * ../shared/valkey/ (not in a --quick run, which takes only $VALKEY_SERVER); without one the
 * workload says so and is skipped, and so are its ratios.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis5'
import type { Key } from '../../../src/index.js'
import { startRedis } from '../../embedded-redis.js'
import { RedisCache } from '../built.js'
import { alternate, CALLERS, DB, log, nodeRedisFor, quick, random, record, roundMs, sid, throughput, TTL, VALUE } from '../harness.js'
import { VALKEY_GET, VALKEY_PUT } from '../names.js'

function valkeyServer(): string | undefined {
  if (process.env.VALKEY_SERVER) return process.env.VALKEY_SERVER
  if (quick) return undefined
  try {
    const script = fileURLToPath(new URL('../../valkey.sh', import.meta.url))
    return `${execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()}/valkey-server`
  } catch {
    return undefined
  }
}

export async function valkeyWorkload(): Promise<void> {
  const binary = valkeyServer()
  if (!binary) {
    log('put and get on Valkey: no valkey-server ($VALKEY_SERVER, or scripts/valkey.sh with ../shared/valkey/): skipped')
    return
  }
  const valkey = await startRedis(['--maxmemory', '0'], undefined, binary)
  log(`put and get with ${CALLERS} callers on Valkey (${binary}) beside Redis, node-redis 5`)
  const valkeyClient = createClient({ url: valkey.url })
  valkeyClient.on('error', () => undefined)
  await valkeyClient.connect()
  const stores = {
    'redis-server': new RedisCache({ redis: await nodeRedisFor(DB.limit), namespace: 'servers', ttl: TTL }),
    'valkey-server': new RedisCache({ redis: valkeyClient, namespace: 'servers', ttl: TTL }),
  } as const
  const USERS = 10_000
  const keys: Key[] = Array.from({ length: USERS }, (_, i) => ['user', i, 'session', 's'])
  for (const store of Object.values(stores)) for (let i = 0; i < USERS; i += 1000) await store.putMany(keys.slice(i, i + 1000).map((key): [Key, unknown] => [key, VALUE]))
  const put = (server: keyof typeof stores) => async () =>
    record(VALKEY_PUT, server, await throughput(roundMs, CALLERS, () => stores[server].put(['user', random(USERS), 'session', sid()], VALUE)))
  const get = (server: keyof typeof stores) => async () => record(VALKEY_GET, server, await throughput(roundMs, CALLERS, () => stores[server].get(keys[random(USERS)] as Key)))
  await alternate([
    ['redis-server', put('redis-server')],
    ['valkey-server', put('valkey-server')],
  ])
  await alternate([
    ['redis-server', get('redis-server')],
    ['valkey-server', get('valkey-server')],
  ])
  for (const store of Object.values(stores)) await store.close()
  await valkeyClient.close()
  await valkey.stop()
}
