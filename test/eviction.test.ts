/**
 * Eviction: under a maxmemory policy that evicts, Redis removes values and indexes one key
 * at a time. A record may then be lost (it is a cache), but never resurrected or leaked:
 * once deleteAll(pattern) or delete resolves, get of a matching key answers undefined, and
 * all() never lists a record that get cannot find. Where the server cannot evict, get stays
 * a plain GET.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import * as assert from 'uvu/assert'
import { ANY, REST, RedisCache, type Key } from '../src/index.js'
import { TARGET, redisSuite, onSingle, type Context } from './helpers.js'

const test = redisSuite('eviction')

async function withPolicy(admin: Context['admin'], policy: string, run: () => Promise<void>): Promise<void> {
  await admin.config('SET', 'maxmemory-policy', policy)
  try {
    await run()
  } finally {
    await admin.config('SET', 'maxmemory', '0')
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
  }
}

const sessions = (user: number, n: number): Key[] => Array.from({ length: n }, (_, i) => ['user', user, 'session', `s${i}`])

test('an evicted index never leaves a deleted record readable, listed or touchable (evicting policy, eviction simulated)', async ({ cache, admin }) => {
  await withPolicy(admin, 'allkeys-lru', async () => {
    const store = cache({ ttl: 600_000 })
    const keys = sessions(1, 40)
    await store.putMany([...keys.map((key): [Key, unknown] => [key, 'token']), [['user', 1], 'profile']])
    // Redis evicts the index of the user's sessions (every bucket that holds one).
    const indexes = await admin.keys('*:user:1:session:#')
    assert.ok(indexes.length > 0)
    await admin.del(...indexes)
    assert.is(await store.deleteAll(['user', 1, 'session', ANY]), 0, 'the index that lists them is gone')
    // Their values are still in Redis, and still unreachable.
    assert.ok((await admin.keys('*:user:1:session:s*')).length > 0)
    for (const key of keys.slice(0, 5)) {
      assert.is(await store.get(key), undefined)
      assert.is(await store.has(key), false)
      assert.is(await store.ttl(key), undefined)
      assert.is(await store.touch(key, 600_000), false, 'touch must not bring it back')
    }
    assert.equal(
      await store.getMany(keys.slice(5)),
      keys.slice(5).map(() => undefined),
    )
    assert.equal(await store.all(['user', REST]), [[['user', 1], 'profile']])
    assert.equal(await store.all(keys[0] as never), [])
    const report = await store.verify({ repair: true })
    assert.is(report.eviction.checked, true)
    assert.is(report.eviction.policy, 'allkeys-lru')
    assert.match(report.warnings.join('\n'), /maxmemory-policy is allkeys-lru/)
    // Repair removes what reads already treat as gone; it never adds it back.
    assert.equal(await store.all(['user', REST]), [[['user', 1], 'profile']])
    assert.is(await store.get(keys[39] as Key), undefined)
    assert.ok((await store.verify()).ok)
    assert.equal(await admin.keys('*:user:1:session:s*'), [], 'half-evicted records were removed whole')
  })
})

test('an evicted value: all() skips its index entries and removes them (evicting policy)', async ({ cache, admin }) => {
  await withPolicy(admin, 'volatile-lru', async () => {
    const store = cache({ ttl: 600_000 })
    await store.putMany(sessions(2, 10).map((key): [Key, unknown] => [key, 1]))
    const [evicted] = await admin.keys('*:user:2:session:s3')
    await admin.del(evicted as string)
    assert.is((await store.all(['user', 2, 'session', ANY])).length, 9)
    const report = await store.verify()
    assert.ok(report.ok, JSON.stringify(report.orphanEntries))
  })
})

test('where the server cannot evict, get stays a plain GET (and the policy is read once)', async ({ cache, admin }) => {
  const store = cache({ ttl: 600_000 })
  await store.put(['user', 3], 'u')
  await admin.config('RESETSTAT')
  for (let i = 0; i < 5; i++) assert.is(await store.get(['user', 3]), 'u')
  const stats = (await admin.info('commandstats')).split('\r\n').filter((line) => line.startsWith('cmdstat_'))
  const calls = (name: string) => stats.filter((line) => line.startsWith(`cmdstat_${name}:`)).reduce((n, line) => n + Number(/calls=(\d+)/.exec(line)?.[1]), 0)
  assert.is(calls('get'), 5)
  assert.is(calls('evalsha') + calls('eval'), 0)
  assert.is(calls('config|get'), TARGET === 'cluster' ? 3 : 1, 'the policy is read before the first read, once (on each master)')
  const report = await store.verify()
  assert.equal(report.eviction, { mode: 'detect', policy: 'noeviction', checked: false })
  assert.equal(report.warnings, [])
})

test("eviction: 'checked' checks without asking; 'none' trusts the server", async ({ cache, admin }) => {
  const checked = cache({ ttl: 600_000, eviction: 'checked' })
  const trusting = cache({ ttl: 600_000, eviction: 'none' })
  await checked.putMany(sessions(4, 3).map((key): [Key, unknown] => [key, 1]))
  await admin.del(...(await admin.keys('*:user:4:session:#')))
  assert.is(await trusting.get(['user', 4, 'session', 's0']), 1, "'none' answers with a plain GET")
  assert.is(await checked.get(['user', 4, 'session', 's0']), undefined)
  assert.throws(() => cache({ eviction: 'maybe' as never }), /options\.eviction must be 'detect', 'checked' or 'none'/)
})

/**
 * Real eviction: a maxmemory far below what the workload writes, each evicting policy in
 * turn. Half the users sign out everywhere; afterwards none of their sessions is readable,
 * and every record all() lists is readable. A store with eviction: 'none' (plain GETs, the
 * behaviour before reads were checked) is run as a control: under allkeys-random and volatile-lru it leaks (hundreds of
 * sessions in a trial run; 377 under allkeys-lru, 9 under volatile-ttl).
 */
onSingle(test)('real eviction under every evicting policy: sign-out everywhere signs out everywhere, and all() lists only readable records', async ({ admin, server }) => {
  const USERS = 12
  const PER_USER = 250
  const value = 'x'.repeat(1000)
  let totalListed = 0 // the checks above are not vacuous: records do survive and get listed
  for (const policy of ['allkeys-lru', 'allkeys-random', 'volatile-lru', 'volatile-random', 'allkeys-lfu', 'volatile-ttl']) {
    for (const mode of ['allkeys-random', 'volatile-lru'].includes(policy) ? (['detect', 'none'] as const) : (['detect'] as const)) {
      await admin.flushall()
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
      await admin.config('SET', 'maxmemory-policy', policy)
      await admin.config('SET', 'maxmemory', String(used + 2_000_000))
      const store = new RedisCache({ redis: server.url, ttl: 600_000, eviction: mode })
      try {
        for (let u = 0; u < USERS; u++) {
          const keys = sessions(u, PER_USER)
          for (let i = 0; i < keys.length; i += 50) await store.putMany(keys.slice(i, i + 50).map((key): [Key, unknown] => [key, value]))
        }
        const evicted = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1])
        assert.ok(evicted > 100, `${policy}: only ${evicted} keys evicted`)
        for (let u = 0; u < USERS; u += 2) await store.deleteAll(['user', u, 'session', ANY])
        await admin.config('SET', 'maxmemory', '0') // no more eviction while we look
        let leaked = 0
        for (let u = 0; u < USERS; u += 2) leaked += (await store.getMany(sessions(u, PER_USER))).filter((v) => v !== undefined).length
        if (mode === 'none') {
          assert.ok(leaked > 0, `${policy} control: plain GETs should find signed-out sessions`)
          continue
        }
        assert.is(leaked, 0, `${policy}: ${leaked} signed-out sessions still readable`)
        // Through the index of ['user'] (one key, which eviction may have taken whole) and
        // through each user's own.
        const listed = await store.all(['user', REST])
        for (let u = 0; u < USERS; u++) listed.push(...(await store.all(['user', u, 'session', ANY])))
        const readable = await store.getMany(listed.map(([key]) => key))
        assert.is(readable.filter((v) => v === undefined).length, 0, `${policy}: all() listed records get() cannot find`)
        assert.ok(
          listed.every(([key]) => ((key as unknown[])[1] as number) % 2 === 1),
          `${policy}: a signed-out user is listed`,
        )
        totalListed += listed.length
      } finally {
        await store.close()
        await admin.config('SET', 'maxmemory', '0')
        await admin.config('SET', 'maxmemory-policy', 'noeviction')
      }
    }
  }
  assert.ok(totalListed > 100, `only ${totalListed} surviving records listed over all policies`)
})

test.run()
