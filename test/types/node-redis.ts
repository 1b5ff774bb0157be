/**
 * What an application on node-redis sees: `npm run typecheck` compiles this file, so a
 * client or cluster of node-redis 5 or 6, whatever its generic types (modules, RESP
 * version), is a valid `redis` option of every constructor, with no cast.
 */
import { createClient as createClient6, createCluster as createCluster6 } from 'redis'
import { createClient as createClient5, createCluster as createCluster5 } from 'redis5'
import { RedisCache } from '../../src/index.js'
import { KeyvPrefixCache } from '../../src/keyv/index.js'
import { RedisSessionStore } from '../../src/session/index.js'

export function fromNodeRedis(url: string) {
  const five = createClient5({ url })
  const six = createClient6({ url, RESP: 3 })
  const cluster5 = createCluster5({ rootNodes: [{ url }] })
  const cluster6 = createCluster6({ rootNodes: [{ url }] })
  return [
    new RedisCache({ redis: five, namespace: 'n5' }),
    new RedisCache({ redis: six }),
    new RedisCache({ redis: cluster5, buckets: 16 }),
    new RedisCache({ redis: cluster6 }),
    new RedisSessionStore({ redis: five }),
    new KeyvPrefixCache({ redis: six }),
  ]
}

// ioredis is installed here: its options are checked, so a typo is a type error (where it is not
// installed, the ioredis types are never: the package test compiles a node-redis project with skipLibCheck false).
// @ts-expect-error: 'hots' is not an ioredis option (nor a node-redis client)
void new RedisCache({ redis: { hots: 'localhost' } })
// @ts-expect-error: 'hots' is not an ioredis option
void new RedisCache({ redis: 'redis://localhost', redisOptions: { hots: 'localhost' } })
void new RedisCache({ redis: { host: 'localhost', port: 6379 } })
