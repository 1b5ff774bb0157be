/**
 * Security: a namespace's operations touch only keys under its own hash tag, whatever the
 * key parts contain (every command recorded with MONITOR, script commands included); the
 * store works as a Redis ACL user limited to its namespace and the commands it needs.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6 iovalkey glide
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import * as assert from 'uvu/assert'
import { ANY, CacheOperationError, REST, RedisCache, type Key, type KeyPart } from '../src/index.js'
import { loadScript, readOnlyVariant } from '../scripts/build/lua.js'
import { definedScripts } from '../src/scripts.js'
import '../src/session/commands.js'
import { redisSuite, rejects, onSingle, sleep } from './helpers.js'

const test = redisSuite('security')

const hostileParts: KeyPart[] = [
  '}',
  '{',
  '{other}',
  '{other}:x',
  '}:#',
  ':#',
  '#',
  '*',
  '?',
  '[a]',
  '\\',
  '%',
  '%3A',
  ':',
  '',
  '\n',
  '\r\n*1\r\n$8\r\nFLUSHALL\r\n',
  "'); redis.call('FLUSHALL') --",
  ']]',
  'KEYS[1]',
  '\uD800',
  '🙂',
  0,
  -1,
  1n,
  null,
  true,
  new Date(0),
  { '}': '{' },
  ['{x}', ':'],
]

/** The keys a command names, for every command the store sends (unknown commands fail the test). */
function keysOf(args: string[]): string[] {
  const [name, ...rest] = args
  switch (name?.toLowerCase()) {
    case 'time':
    case 'info':
    case 'ping':
    case 'select':
    case 'client':
    case 'quit':
    case 'script':
    case 'readonly':
      return []
    case 'evalsha':
    case 'eval':
      return rest.slice(2, 2 + Number(rest[1]))
    case 'scan': {
      const i = rest.findIndex((arg) => arg.toLowerCase() === 'match')
      return i === -1 ? ['<SCAN without MATCH>'] : [rest[i + 1] as string]
    }
    case 'mget':
    case 'exists':
    case 'unlink':
    case 'del':
      return rest
    case 'get':
    case 'set':
    case 'pttl':
    case 'zadd':
    case 'zrem':
    case 'zremrangebyscore':
    case 'zremrangebyrank':
    case 'zrange':
    case 'zcount':
    case 'zcard':
    case 'zscan':
    case 'zscore':
    case 'pexpireat':
    case 'persist':
    case 'pexpiretime':
      return rest.slice(0, 1)
    default:
      throw new Error(`the store sent a command this test does not know: ${name}`)
  }
}

onSingle(test)('whatever the key parts contain, a namespace touches only keys under its own hash tag', async ({ server, admin }) => {
  const client = new Redis(server.url)
  const store = new RedisCache({ redis: client, namespace: 'ns', ttl: 60_000 })
  const other = new RedisCache({ redis: server.url, namespace: 'other' })
  await other.put(['x'], 'theirs')
  await admin.set('ns:plain', 'not ours')
  const monitor = await admin.monitor()
  const seen: Array<{ source: string; args: string[] }> = []
  monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ source, args }))
  try {
    await store.get('warm-up')
    const storePort = String((client as unknown as { stream: { localPort: number } }).stream.localPort)
    const keys: Key[] = hostileParts.flatMap((part, i) => [[part], ['u', part, 's', i], [part, part]] as Key[])
    await store.putMany(keys.map((key, i): [Key, number] => [key, i]))
    for (const key of keys.slice(0, 30)) {
      await store.get(key)
      await store.has(key)
      await store.touch(key, 30_000)
      await store.ttl(key)
    }
    await store.getMany(keys)
    for (const part of hostileParts) {
      await store.all(['u', part, 's', ANY])
      await store.all([part, REST])
      await store.deleteAll([part, ANY])
    }
    for await (const _ of store.iterate([ANY, ANY, ANY, ANY], { count: 10 })) void _
    await store.delete(keys[1] as Key)
    await store.verify({ repair: true })
    await store.clear()
    await store.get('done')
    await new Promise((resolve) => setTimeout(resolve, 100))
    monitor.disconnect()

    const mine = seen.filter(({ source }) => source === 'lua' || source.endsWith(`:${storePort}`))
    assert.ok(mine.length > 500, `only ${mine.length} commands recorded`)
    const touched = mine.flatMap(({ args }) => keysOf(args))
    assert.ok(touched.length > 500)
    const outside = touched.filter((key) => !key.startsWith('{ns}:'))
    assert.equal([...new Set(outside)], [], 'keys outside the namespace')
    assert.ok(
      mine.some(({ source }) => source === 'lua'),
      'script commands were recorded too',
    )
    // Scripts take data only through KEYS and ARGV: every script sent is one of lua/'s files.
    // (or the read-only variant of one, made from it at build: readOnlyVariant)
    const scripts = definedScripts()
      .filter((script) => !script.readOnly)
      .map((script) => loadScript(script.name))
    const sources = new Set([...scripts, ...scripts.flatMap((lua) => readOnlyVariant(lua) ?? [])])
    const shas = new Set([...sources].map((lua) => createHash('sha1').update(lua).digest('hex')))
    for (const { args } of mine) {
      const name = args[0]?.toLowerCase()
      if (name === 'eval' || name === 'eval_ro') assert.ok(sources.has(unrepr(args[1] as string)), `EVAL of a script not in lua/: ${JSON.stringify(args[1]?.slice(0, 80))}`)
      if (name === 'evalsha' || name === 'evalsha_ro') assert.ok(shas.has(args[1] as string), 'EVALSHA of a script not in lua/')
    }
    assert.is(await admin.get('ns:plain'), 'not ours')
    assert.is(await other.get(['x']), 'theirs')
    assert.equal(await admin.keys('{ns}*'), [])
  } finally {
    monitor.disconnect()
    await other.close()
    await client.quit()
  }
})

/** Undoes the escaping MONITOR applies to arguments (Redis' sdscatrepr). */
function unrepr(text: string): string {
  const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' }
  return text.replace(/\\(x[0-9a-f]{2}|.)/g, (_, c: string) => (c.length === 3 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (named[c] ?? c)))
}

/** The ACL line the docs give (docs/reliability.md, Least privilege), as it stands there. */
function readmeAclLine(): string[] {
  const readme = readFileSync(new URL('../docs/reliability.md', import.meta.url), 'utf8')
  const line = readme.split('\n').find((l) => l.startsWith('ACL SETUSER sessions '))
  if (!line) throw new Error('docs/reliability.md has no "ACL SETUSER sessions" line')
  return line.trim().split(/\s+/).slice(3)
}

onSingle(test)('the store works as the documented ACL user, limited to its namespace and the commands it needs', async ({ server, admin }) => {
  const rules = readmeAclLine().map((rule) => (rule === '>password' ? '>s3cret' : rule))
  assert.ok(rules.includes('~{sessions}:*') && rules.includes('-@all'))
  await admin.call('ACL', 'SETUSER', 'sessions', 'reset', ...rules)
  const client = new Redis({ host: server.host, port: server.port, username: 'sessions', password: 's3cret' })
  const store = new RedisCache({ redis: client, namespace: 'sessions', ttl: 60_000 })
  try {
    await store.putMany([
      ['sid', 1],
      [['user', 1], 2],
      [['user', 1, 'session', 'sid'], 3],
    ])
    await store.put(['user', 1, 'session', 'two'], 4, { ttl: Infinity })
    assert.is(await store.get(['user', 1]), 2)
    assert.equal(await store.getMany(['sid', ['user', 2]]), [1, undefined])
    assert.is(await store.has('sid'), true)
    assert.is(await store.ttl(['user', 1, 'session', 'two']), Infinity)
    assert.is(await store.touch('sid', 1000), true)
    assert.is((await store.all(['user', 1, 'session', ANY])).length, 2)
    for await (const _ of store.iterate([REST])) void _
    assert.ok((await store.verify({ repair: true })).ok)
    assert.is(await store.delete('sid'), true)
    // The calls beyond put/get, pruning, and both read paths: without +config|get the
    // policy cannot be read, so reads are checked; 'none' takes the plain path.
    assert.is(await store.add(['lock', 1], 'x'), true)
    assert.is(await store.take(['lock', 1]), 'x')
    assert.is(await store.getAndTouch(['user', 1], 60_000), 2)
    await store.put(['user', 1, 'session', 'gone'], 0, { ttl: 1 })
    await sleep(10)
    await store.put(['user', 1, 'session', 'three'], 5) // prunes 'gone'
    assert.is(await store.count(['user', 1, REST]), 3)
    assert.is((await store.keys(['user', 1, 'session', ANY])).length, 3)
    const plain = new RedisCache({ redis: client, namespace: 'sessions', eviction: 'none' })
    assert.is(await plain.count(['user', 1, REST]), 3)
    assert.is(await plain.get(['user', 1]), 2)
    assert.is(await store.deleteMany([['user', 1, 'session', 'three']]), 1)
    assert.is(await store.deleteAll(['user', 1, REST]), 2)
    assert.is(await store.clear(), 1)
    // The limits are real: other keys and other commands are refused.
    await rejects(client.get('elsewhere'), Error, /NOPERM/)
    await rejects(client.flushall(), Error, /NOPERM/)
    const outside = new RedisCache({ redis: client, namespace: 'other' })
    await rejects(outside.put('k', 1), CacheOperationError, /NOPERM/)
  } finally {
    client.disconnect()
    await admin.call('ACL', 'DELUSER', 'sessions')
  }
})

test.run()
