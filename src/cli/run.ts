/**
 * How a command runs: the global options, the store they open (a RedisCache that reads
 * stored text as it is, on a URL or a Cluster the CLI makes), hints for an empty answer,
 * and the errors that mean a usage mistake.
 */
import { type Command, InvalidArgumentError } from 'commander'
import { failFastClient } from '../client/connect.js'
import { RedisCache, type RedisCacheOptions } from '../index.js'
import { internals } from '../internals.js'
import { raw } from './format.js'
import { emptyHint } from './hints.js'

export interface GlobalOptions {
  url: string
  namespace: string
  buckets: number
  bucketBy: number
  cluster?: string
  json?: boolean
  timeout: number
}

export class UsageError extends Error {}

export function integer(name: string) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
    return n
  }
}

export function open(options: GlobalOptions): RedisCache {
  const redis = failFastClient(options.cluster ? { seeds: options.cluster } : { url: options.url }, options.timeout)
  return new RedisCache({
    redis: redis as RedisCacheOptions['redis'],
    namespace: options.namespace,
    buckets: options.buckets,
    bucketBy: options.bucketBy,
    timeout: options.timeout,
    serializer: raw,
  })
}

/** On stderr, why an answer may be empty when the namespace or buckets are not the store's (see hints.ts). */
export async function hint(cache: RedisCache): Promise<void> {
  const text = await emptyHint(cache).catch(() => undefined)
  if (text) process.stderr.write(`hint: ${text}\n`)
}

/** Runs a command on a store opened from the global options, and closes it. */
export function action<A extends unknown[]>(program: Command, run: (cache: RedisCache, options: GlobalOptions, ...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    const options = program.opts<GlobalOptions>()
    const cache = open(options)
    try {
      process.exitCode = (await run(cache, options, ...args)) ?? 0
    } finally {
      const { client } = cache[internals]()
      await cache.close().catch(() => undefined)
      // A store quits only the clients it created from a URL or options; this client is the
      // CLI's (open() made it), and left open it would keep the process alive.
      await client.close()
    }
  }
}
