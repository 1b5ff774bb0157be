/**
 * What an application on ioredis 5 sees: `npm run typecheck` compiles the library's sources
 * and this file with 'ioredis' resolved to ioredis 5 (tsconfig.ioredis5.json), so a client
 * of the application's own ioredis 5 is a valid `redis` option, with no second copy and no
 * cast. (ioredis is a peer dependency: the application's copy is the one used.)
 */
import { Cluster, Redis } from 'ioredis'
import { RedisCache } from '../../src/index.js'

export function fromIoredis5(url: string, nodes: Array<{ host: string; port: number }>) {
  const single = new RedisCache({ redis: new Redis(url), namespace: 'v5' })
  const clustered = new RedisCache({ redis: new Cluster(nodes), buckets: 16 })
  const fromOptions = new RedisCache({ redis: { host: 'localhost', port: 6379, tls: {} } })
  return [single, clustered, fromOptions]
}
