/**
 * Eviction: whether the server may remove keys on its own under `maxmemory`, and so whether
 * reads must check a record's indexes.
 *
 * Under a policy that evicts (allkeys-* or volatile-*: indexes carry an expiry too), Redis
 * removes values and indexes independently. A value whose entry in the index of some prefix
 * was evicted would survive a deleteAll of that prefix, which finds records through that
 * index: a revoked session would still be readable. So on such a server a record is live
 * only while its value exists and every index of its prefixes lists it, and reads are
 * scripts that check this (lua/read.lua; page, touch and verify check it too). Where the
 * server cannot evict (noeviction), get stays a plain GET. A policy that cannot be read
 * (managed Redis may refuse CONFIG GET) is taken as evicting: the safe path.
 */
import type { RedisClient } from './client/client.js'

/**
 * How the store learns whether reads must check indexes: 'detect' (default) reads the
 * server's maxmemory-policy (every master's, on a cluster) before the first call and again
 * after each reconnection; 'checked' always checks; 'none' never does (only for a server
 * you know never evicts).
 */
export type EvictionMode = 'detect' | 'checked' | 'none'

export interface EvictionPolicy {
  /** The server's maxmemory-policy (distinct values of every master, comma separated); undefined when it could not be read. */
  readonly policy: string | undefined
  /** Whether reads check every index of a record: the policy evicts, or could not be read. */
  readonly checked: boolean
  /** Redis's answer when the policy could not be read. */
  readonly error?: string
}

export function checkEvictionMode(mode: unknown): EvictionMode {
  if (mode !== 'detect' && mode !== 'checked' && mode !== 'none') {
    throw new TypeError(`options.eviction must be 'detect', 'checked' or 'none', got ${JSON.stringify(mode)}`)
  }
  return mode
}

/**
 * Reads the policy. A connection failure rejects (the next call tries again); a refusal by
 * Redis means 'unknown', so checked. On a cluster, only the masters connected now are asked:
 * a master that died holds a command until it is back, or for good (node-redis), and the
 * calls of a store whose keys live on healthy masters must not wait for it; when it comes
 * back, or its replica takes over, the client's ready count changes and the policy is read
 * again, from it too.
 */
export async function readEvictionPolicy(client: RedisClient): Promise<EvictionPolicy> {
  try {
    const masters = client.masters()
    const live = masters.filter((node) => node.live())
    const asked = live.length > 0 ? live : masters
    const answers = await Promise.allSettled(asked.map(async (node) => ((await node.command('CONFIG', 'GET', 'maxmemory-policy')) as string[])[1]))
    // A Redis refusal means 'unknown' (below); a master whose connection fails meanwhile (one
    // dying in a failover) is passed by when others answered: its keys are out of reach
    // anyway, and once it is back, or replaced, the ready count changes and this runs again.
    const refused = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected' && client.isReplyError(a.reason))
    if (refused) throw refused.reason
    const policies = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
    if (policies.length === 0 && answers.length > 0) throw (answers.find((a) => a.status === 'rejected') as PromiseRejectedResult).reason
    if (policies.length === 0 || policies.some((policy) => typeof policy !== 'string')) {
      return { policy: undefined, checked: true, error: 'CONFIG GET maxmemory-policy answered nothing' }
    }
    const distinct = [...new Set(policies as string[])]
    return { policy: distinct.join(','), checked: distinct.some((policy) => policy !== 'noeviction') }
  } catch (error) {
    if (!client.isReplyError(error)) throw error
    return { policy: undefined, checked: true, error: (error as Error).message }
  }
}

const warned = new Set<string>()

/** What a user should know about a policy that makes reads check indexes; warned once per process for each text. */
export function evictionWarning(found: EvictionPolicy, namespace: string): string | undefined {
  if (!found.checked) return undefined
  const text =
    found.policy === undefined
      ? `redis-prefix-cache (namespace '${namespace}'): could not read maxmemory-policy (${found.error}); reads check that every index lists a record, as on a server that evicts. Pass eviction: 'none' only if the server never evicts.`
      : `redis-prefix-cache (namespace '${namespace}'): maxmemory-policy is ${found.policy}, so Redis may evict records, or parts of them, at any time; reads check that every index lists a record, so an evicted index entry never leaves a deleted record readable.`
  if (!warned.has(text)) {
    warned.add(text)
    process.emitWarning(text, 'RedisPrefixCacheWarning')
  }
  return text
}

/**
 * What one store knows of its server's policy: whether reads check indexes (`checked`,
 * undefined until the policy has been read), read at most once at a time, and read again
 * after each reconnection (the client may have reached another server: a restart, a failover).
 */
export class EvictionState {
  /** The policy as last read ('detect' only). */
  policy: EvictionPolicy | undefined
  #checked: boolean | undefined
  /** The client's ready count when the policy was read. */
  #readAt = -1
  #reading: Promise<boolean> | undefined

  constructor(
    readonly mode: EvictionMode,
    private readonly client: RedisClient,
    private readonly namespace: string,
  ) {
    this.#checked = mode === 'detect' ? undefined : mode === 'checked'
  }

  /** Whether reads check every index of a record; undefined until known (again, after a reconnection). */
  get checked(): boolean | undefined {
    if (this.mode !== 'detect') return this.#checked
    return this.#readAt === this.client.readyCount() ? this.#checked : undefined
  }

  /** Forgets the policy (mode 'detect'): the next call reads it again. */
  forget(): void {
    this.#readAt = -1
  }

  /**
   * Reads the policy, once for every caller waiting at the same time; resolves whether reads
   * check indexes. Each caller races it with its own timeout, and reports a failure as its own.
   */
  read(): Promise<boolean> {
    const known = this.checked
    if (known !== undefined) return Promise.resolve(known)
    const readAt = this.client.readyCount()
    this.#reading ??= readEvictionPolicy(this.client)
      .then((policy) => {
        this.policy = policy
        evictionWarning(policy, this.namespace)
        this.#checked = policy.checked
        this.#readAt = readAt
        return policy.checked
      })
      .finally(() => (this.#reading = undefined))
    return this.#reading
  }
}
