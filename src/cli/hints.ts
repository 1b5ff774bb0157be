/**
 * Hints for an empty answer: a misspelt --namespace, or --buckets that is not the number the
 * store was created with, would otherwise read as "count 0" and "verify ok". Read only from
 * the root indexes' keys (EXISTS), and on a single server a bounded SCAN for the namespaces
 * there are: never the whole keyspace.
 */
import type { RedisClient } from '../client/client.js'
import type { RedisCache } from '../index.js'
import { internals } from '../internals.js'

/** Bucket numbers probed for a namespace stored in buckets when --buckets says otherwise. */
const PROBED_BUCKETS = 64
/** SCAN pages (of 1000) read at most to name the namespaces of this Redis. */
const SCAN_PAGES = 10

const rootOf = (namespace: string, bucket: number | undefined) => (bucket === undefined ? `{${namespace}}:#` : `{${namespace}#${bucket}}:#`)

async function exists(redis: RedisClient, keys: string[]): Promise<boolean[]> {
  return Promise.all(keys.map(async (key) => (await redis.exists(key)) === 1))
}

/** Namespaces whose root index this Redis holds, from a bounded SCAN (a single server only). */
async function namespacesSeen(redis: RedisClient): Promise<string[]> {
  const [node] = redis.masters()
  if (redis.isCluster || !node) return []
  const seen = new Set<string>()
  let cursor = '0'
  for (let page = 0; page < SCAN_PAGES; page++) {
    const [next, keys] = (await node.command('SCAN', cursor, 'MATCH', '{*}:#', 'COUNT', 1000)) as [string, string[]]
    for (const key of keys) seen.add(key.slice(1, key.indexOf('}')).replace(/#\d+$/, ''))
    cursor = next
    if (cursor === '0') break
  }
  return [...seen].sort()
}

/** What to tell a user whose namespace and buckets find nothing, or undefined when they do find the namespace. */
export async function emptyHint(cache: RedisCache): Promise<string | undefined> {
  const redis = cache[internals]().client
  const { namespace, buckets } = cache
  const own = buckets === 1 ? [rootOf(namespace, undefined)] : Array.from({ length: buckets }, (_, b) => rootOf(namespace, b))
  if ((await exists(redis, own)).some(Boolean)) return undefined
  if (buckets > 1 && (await exists(redis, [rootOf(namespace, undefined)]))[0]) {
    return `namespace ${JSON.stringify(namespace)} is stored in one bucket (${rootOf(namespace, undefined)} exists): leave out --buckets`
  }
  const probed = Array.from({ length: PROBED_BUCKETS }, (_, b) => b)
  const hits = await exists(
    redis,
    probed.map((b) => rootOf(namespace, b)),
  )
  const highest = probed.filter((b) => hits[b]).at(-1)
  if (highest !== undefined) {
    const given = buckets === 1 ? '' : ` (not ${buckets})`
    return `namespace ${JSON.stringify(namespace)} is stored in buckets (${rootOf(namespace, highest)} exists): pass --buckets with the number its store was created with${given}, more than ${highest}, and --bucket-by if it was not 1`
  }
  const others = (await namespacesSeen(redis)).filter((name) => name !== namespace)
  const where = others.length > 0 ? ` Namespaces found here: ${others.slice(0, 10).join(', ')}${others.length > 10 ? ', ...' : ''}` : ''
  return `namespace ${JSON.stringify(namespace)} has no index in this Redis: is --namespace right?${where}`
}
