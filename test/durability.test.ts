/**
 * options.durability through the client seam on every target: on the cluster suite (each
 * master has a replica) every write waits for it (WAIT sent to the master of the write's
 * slot, over ioredis's Cluster or a node-redis cluster) and succeeds, on 1 and 64 buckets;
 * on a single Redis with no replica every write rejects with a NotReplicatedError cause and
 * reads do not wait. (Failover with durability: sentinel.test.ts.)
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { ANY, CacheOperationError, NotReplicatedError } from '../src/index.js'
import { betterAuthStorage } from '../src/better-auth/index.js'
import { KeyvPrefixCache } from '../src/keyv/index.js'
import { RedisSessionStore } from '../src/session/index.js'
import { redisSuite, TARGET } from './helpers.js'

const test = redisSuite('durability')

/** WAIT calls counted by the servers admin reaches (every master, on the cluster suite). */
async function waits(admin: { info(section: string): Promise<string> }): Promise<number> {
  const info = await admin.info('commandstats')
  return [...info.matchAll(/cmdstat_wait:calls=(\d+)/g)].reduce((sum, [, n]) => sum + Number(n), 0)
}

if (TARGET === 'cluster') {
  test('on a cluster whose masters each have a replica: every write waits for it and succeeds, on every bucket', async ({ cache, admin }) => {
    const store = cache({ durability: { replicas: 1, timeout: 2000 } })
    await admin.config('RESETSTAT')
    for (let u = 0; u < 40; u++) await store.put(['user', u, 'name'], `user ${u}`)
    await store.putMany(Array.from({ length: 40 }, (_, u) => [['user', u, 'mail'], `${u}@example.org`] as const))
    assert.is(await store.increment(['user', 1, 'hits']), 1)
    assert.ok(await store.delete(['user', 2, 'mail']))
    assert.is(await store.count(['user', ANY, ANY]), 80)
    assert.ok((await waits(admin)) >= 42, 'a WAIT per write call')
  })

  test('writes answered in one turn share one WAIT per master, and each is acknowledged', async ({ cache, admin }) => {
    const store = cache({ durability: { replicas: 1, timeout: 2000 } })
    await store.put(['warm'], 0) // scripts loaded, slots known
    await admin.config('RESETSTAT')
    await Promise.all(Array.from({ length: 60 }, (_, u) => store.put(['user', u, 'name'], `user ${u}`)))
    const sent = await waits(admin)
    assert.ok(sent >= 1 && sent <= 12, `${sent} WAITs for 60 writes sent at once (one a write: 60)`)
    assert.is(await store.count(['user', ANY, ANY]), 60)
  })
} else {
  test('on a Redis with no replica: every write rejects, applied on the master but not replicated; reads do not wait', async ({ cache, admin }) => {
    const store = cache({ durability: { replicas: 1, timeout: 50 } })
    const error = (await store.put('k', 1).catch((e: unknown) => e)) as CacheOperationError
    assert.instance(error, CacheOperationError)
    assert.instance(error.cause, NotReplicatedError)
    assert.is((error.cause as NotReplicatedError).wanted, 1)
    assert.is(error.sent, true)
    await admin.config('RESETSTAT')
    assert.is(await store.get('k'), 1, 'applied on the master')
    assert.is((await store.all([ANY])).length, 1)
    assert.is(await store.count([ANY]), 1)
    assert.ok((await store.verify()).ok, "verify's checks only read")
    assert.is(await waits(admin), 0, 'reads do not wait for replicas')
    await admin.zadd(`{${store.namespace}}:#`, 'NX', '+inf', 'orphan') // an index member without a value: a repair removes it
    const repair = (await store.verify({ repair: true }).catch((e: unknown) => e)) as CacheOperationError
    assert.instance(repair.cause, NotReplicatedError, 'a repair is a write, and waits')
  })

  test('writes answered in one turn share one WAIT on their connection (WAIT holds it: twenty in a row would hold it twenty timeouts)', async ({ cache, admin }) => {
    const store = cache({ durability: { replicas: 1, timeout: 100 } })
    await store.put('warm', 0).catch(() => undefined)
    await admin.config('RESETSTAT')
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.put(['k', i], i)))
    for (const result of results) {
      const seen = result.status === 'fulfilled' ? 'fulfilled' : String(result.reason?.cause ?? result.reason)
      assert.instance((result as PromiseRejectedResult).reason?.cause, NotReplicatedError, `a write's outcome: ${seen}`)
    }
    const sent = await waits(admin)
    assert.ok(sent >= 1 && sent <= 3, `${sent} WAITs for 20 writes sent at once (one a write: 20)`)
  })

  test('a connection has one WAIT in flight: writes answered while it waits share the next, sent when it returns', async ({ cache, admin }) => {
    // Large values: Redis reads and answers them over several turns of its event loop, so the
    // replies come in several turns of Node's too. Sent one a turn, the WAITs queue behind each
    // other on the connection: each holds it durability.timeout, and Valkey GLIDE, which gives
    // a WAIT a deadline of its timeout + 0.5 s from when it is sent, times the later ones out.
    const store = cache({ durability: { replicas: 1, timeout: 100 } })
    await store.put('warm', 0).catch(() => undefined)
    await admin.config('RESETSTAT')
    const value = 'x'.repeat(256 * 1024)
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => store.put(['big', i], value)))
    for (const result of results) {
      const seen = result.status === 'fulfilled' ? 'fulfilled' : String(result.reason?.cause ?? result.reason)
      assert.instance((result as PromiseRejectedResult).reason?.cause, NotReplicatedError, `a write's outcome: ${seen}`)
    }
    const sent = await waits(admin)
    assert.ok(sent >= 1 && sent <= 2, `${sent} WAITs for 40 writes: one in flight, then one for the writes answered meanwhile`)
  })

  test('the session store, Keyv adapter and better-auth storage take durability, or that of the cache they share', async ({ cache, storeClient }) => {
    const durability = { replicas: 1, timeout: 50 }
    const shared = cache({ durability })
    const stores = [new RedisSessionStore({ redis: storeClient(), durability }), new RedisSessionStore({ cache: shared })]
    for (const sessions of stores) {
      const error = (await sessions.set('sid', { cookie: { maxAge: 60_000 } } as never).catch((e: unknown) => e)) as CacheOperationError
      assert.instance(error?.cause, NotReplicatedError)
      await sessions.close()
    }
    const keyv = new KeyvPrefixCache({ cache: shared })
    assert.instance(((await keyv.set('k', 'v').catch((e: unknown) => e)) as Error)?.cause, NotReplicatedError)
    const auth = betterAuthStorage({ redis: storeClient(), durability })
    assert.instance(((await auth.set('verification:x', 'v', 60).catch((e: unknown) => e)) as Error)?.cause, NotReplicatedError)
    await auth.close()
  })
}

test.run()
