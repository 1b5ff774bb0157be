/**
 * The built package: dist/ (written by `npm run build`, which `npm test` runs first and
 * `npm pack` runs through `prepack`) works from plain Node, with no TypeScript loader,
 * through the package exports; and the packed tarball installs in a fresh project as a new
 * user installs it: engines honoured, the CLI through npx, TypeScript 5 on CommonJS.
 */
// test-targets: single cluster
// test-clients: ioredis
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import * as assert from 'uvu/assert'
import { redisSuite, onSingle } from './helpers.js'

const root = new URL('..', import.meta.url)
const test = redisSuite('package')

onSingle(test)('package.json exports point at built files with type declarations', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  assert.is(pkg.type, 'module')
  assert.is(pkg.exports['.'].import, './dist/index.js')
  assert.is(pkg.exports['.'].types, './dist/index.d.ts')
  assert.is(pkg.exports['.'].default, './dist/index.js', 'require() (Node 20.19+ loads the ES module)')
  assert.ok(pkg.files.includes('src'), 'src/ is published: the source maps point at it')
  // superjson for the store; commander, cli-table3, cli-progress for the CLI (README says why).
  assert.equal(Object.keys(pkg.dependencies).sort(), ['cli-progress', 'cli-table3', 'commander', 'superjson'])
  assert.is(pkg.bin['redis-prefix-cache'], './dist/cli/bin.js')
  assert.match(readFileSync(new URL('dist/cli/bin.js', root), 'utf8'), /^#!\/usr\/bin\/env node\n/)
  assert.is(pkg.exports['./session'].types, './dist/session/index.d.ts')
  assert.is(pkg.exports['./better-auth'].types, './dist/better-auth/index.d.ts')
  assert.is(pkg.exports['./rate-limit'].types, './dist/rate-limit/index.d.ts')
  assert.is(pkg.exports['./unstorage'].types, './dist/unstorage/index.d.ts')
  assert.not.ok(pkg.peerDependencies['express-rate-limit'], 'the rate limiter matches express-rate-limit by its interface: no package of its is needed')
  assert.ok(pkg.peerDependenciesMeta['better-auth'].optional, 'better-auth is an optional peer: users without it install nothing for it')
  assert.ok(pkg.peerDependencies.ioredis, "ioredis is a peer dependency: the application's own copy is used")
  assert.ok(pkg.files.includes('lua'), 'lua/ is published')
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/store.d.ts']) {
    assert.ok(existsSync(new URL(file, root)), `${file} is missing: run npm run build`)
  }
})

onSingle(test)('every source map points at a source file the package ships', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  const maps = readdirSync(new URL('dist/', root), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js.map'))
  assert.ok(maps.length > 5)
  for (const map of maps) {
    const mapUrl = new URL(`dist/${map}`, root)
    for (const source of JSON.parse(readFileSync(mapUrl, 'utf8')).sources as string[]) {
      const file = new URL(source, mapUrl)
      assert.ok(existsSync(file), `${map} points at ${source}, which does not exist`)
      const shipped = fileURLToPath(file).slice(fileURLToPath(root).length).split('/')[0]
      assert.ok(pkg.files.includes(shipped), `${map} points at ${source}, which is not in package.json files`)
    }
  }
})

onSingle(test)('plain node imports the package by name and uses it', async ({ server }) => {
  const program = `
    import { RedisCache, ANY } from 'redis-prefix-cache'
    import { KeyvPrefixCache } from 'redis-prefix-cache/keyv'
    import { RedisSessionStore } from 'redis-prefix-cache/session'
    import { betterAuthStorage } from 'redis-prefix-cache/better-auth'
    import { RateLimitStore } from 'redis-prefix-cache/rate-limit'
    import prefixCacheDriver from 'redis-prefix-cache/unstorage'
    if (typeof betterAuthStorage !== 'function') throw new Error('no betterAuthStorage')
    const limiter = new RateLimitStore({ redis: process.argv[1], namespace: 'pkg-rl' })
    limiter.init({ windowMs: 60_000 })
    if ((await limiter.increment('client')).totalHits !== 1) throw new Error('the rate limiter did not count')
    await limiter.resetAll()
    await limiter.shutdown()
    const driver = prefixCacheDriver({ redis: process.argv[1], namespace: 'pkg-unstorage' })
    await driver.setItem('a:b', 'v', { ttl: 60 })
    if ((await driver.getKeys('a:')).join() !== 'a:b') throw new Error('the unstorage driver did not list')
    await driver.clear('')
    await driver.dispose()
    if (typeof KeyvPrefixCache !== 'function') throw new Error('no KeyvPrefixCache')
    if (typeof RedisSessionStore !== 'function') throw new Error('no RedisSessionStore')
    const cache = new RedisCache({ redis: process.argv[1], namespace: 'pkg' })
    await cache.put(['user', 1, 'session', 's'], { ok: true })
    const listed = await cache.all(['user', 1, 'session', ANY])
    await cache.close()
    console.log(JSON.stringify(listed))
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program, server.url], { cwd: root })
  assert.equal(JSON.parse(stdout), [[['user', 1, 'session', 's'], { ok: true }]])
})

onSingle(test)('a CommonJS project requires the package by name and uses it', async ({ server }) => {
  // A CommonJS project of its own, with the package installed as a link, as npm link does.
  const dir = mkdtempSync(join(tmpdir(), 'cjs-project-'))
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cjs-app', version: '1.0.0', type: 'commonjs' }))
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(fileURLToPath(root), join(dir, 'node_modules', 'redis-prefix-cache'))
    writeFileSync(
      join(dir, 'app.js'),
      `
      const { RedisCache, ANY, CacheOperationError } = require('redis-prefix-cache')
      if (typeof require('redis-prefix-cache/keyv').KeyvPrefixCache !== 'function') throw new Error('no KeyvPrefixCache')
      if (typeof require('redis-prefix-cache/session').RedisSessionStore !== 'function') throw new Error('no RedisSessionStore')
      if (typeof require('redis-prefix-cache/better-auth').betterAuthStorage !== 'function') throw new Error('no betterAuthStorage')
      if (typeof require('redis-prefix-cache/rate-limit').RateLimitStore !== 'function') throw new Error('no RateLimitStore')
      if (typeof require('redis-prefix-cache/unstorage').default !== 'function') throw new Error('no unstorage driver')
      const cache = new RedisCache({ redis: process.argv[2], namespace: 'cjs' })
      cache.put(['user', 1, 'session', 's'], Buffer.from('ok'))
        .then(() => cache.all(['user', 1, 'session', ANY]))
        .then(async (listed) => {
          await cache.close()
          console.log(JSON.stringify({ listed: listed.map(([key, value]) => [key, value.toString()]), errors: typeof CacheOperationError }))
        })
    `,
    )
    const { stdout } = await promisify(execFile)(process.execPath, ['app.js', server.url], { cwd: dir })
    assert.equal(JSON.parse(stdout), { listed: [[['user', 1, 'session', 's'], 'ok']], errors: 'function' })
    // Its TypeScript sees the same types: a CommonJS file importing the package type-checks.
    symlinkSync(fileURLToPath(new URL('node_modules/@types', root)), join(dir, 'node_modules', '@types'))
    symlinkSync(fileURLToPath(new URL('node_modules/ioredis', root)), join(dir, 'node_modules', 'ioredis'))
    writeFileSync(
      join(dir, 'typed.ts'),
      `
      import { RedisCache, ANY, type Key, type Operation } from 'redis-prefix-cache'
      const cache = new RedisCache({ namespace: 'cjs', writes: 'async' })
      const removed: Promise<undefined> = cache.delete(['a', 1])
      const key: Key = ['a', 1]
      const operation: Operation = 'put'
      // @ts-expect-error: the core names only its own operations; the session store's come with it
      const sessionOperation: Operation = 'session.get'
      export = [cache.all(['a', ANY]), removed, key, operation, sessionOperation]
    `,
    )
    const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root))
    await promisify(execFile)(process.execPath, [tsc, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', '--noEmit', '--types', 'node', 'typed.ts'], {
      cwd: dir,
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

onSingle(test)('the packed tarball, as a new user installs it: --engine-strict on this Node, the CLI through npx, TypeScript 5 with module commonjs', async ({ server }) => {
  const run = promisify(execFile)
  const dir = mkdtempSync(join(tmpdir(), 'fresh-project-'))
  try {
    const { stdout: packed } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, maxBuffer: 16 << 20 })
    const tarball = join(dir, packed.trim().split('\n').at(-1)!)
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
    const ioredis = JSON.parse(readFileSync(new URL('node_modules/ioredis/package.json', root), 'utf8')).version
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }))
    // Every dependency's engines must accept this Node (the package's own floor included).
    const install = await run('npm', ['install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', tarball, `ioredis@${ioredis}`], {
      cwd: dir,
      maxBuffer: 16 << 20,
    })
    assert.not.match(install.stderr, /EBADENGINE|prepare/, install.stderr)
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules/redis-prefix-cache/package.json'), 'utf8'))
    assert.equal(installed.engines, pkg.engines)
    assert.ok(existsSync(join(dir, 'node_modules/redis-prefix-cache/LICENSE')), 'the LICENSE ships')
    // The CLI through npx: options before the command, after it, and after a `--`.
    const url = server.url
    await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { RedisCache } from 'redis-prefix-cache'
      const cache = new RedisCache({ redis: ${JSON.stringify(url)}, namespace: 'npx' })
      await cache.put(['user', 42n, 'seen', new Date(0)], 'yes')
      await cache.close()
    `,
      ],
      { cwd: dir },
    )
    for (const args of [
      ['--json', 'ls', '**'],
      ['ls', '**', '--json'],
      ['--', '--json', 'ls', '**'],
    ]) {
      const { stdout } = await run(
        'npx',
        ['--no-install', 'redis-prefix-cache', ...args.slice(0, args[0] === '--' ? 1 : 0), '--url', url, '--namespace', 'npx', ...args.slice(args[0] === '--' ? 1 : 0)],
        { cwd: dir },
      )
      const line = JSON.parse(stdout.trim())
      assert.equal(line.args, ['"user"', '42n', '"seen"', '@1970-01-01T00:00:00.000Z'], args.join(' '))
      const got = await run('npx', ['--no-install', 'redis-prefix-cache', '--url', url, '--namespace', 'npx', 'get', ...line.args], { cwd: dir })
      assert.match(got.stdout, /'yes'/)
    }
    // TypeScript 5 on module commonjs (node10 resolution, no `exports`): the subpaths resolve through typesVersions.
    symlinkSync(fileURLToPath(new URL('node_modules/@types', root)), join(dir, 'node_modules', '@types'))
    writeFileSync(
      join(dir, 'app.ts'),
      `
      import { RedisCache, ANY, type Pattern } from 'redis-prefix-cache'
      import { RedisSessionStore } from 'redis-prefix-cache/session'
      import { KeyvPrefixCache } from 'redis-prefix-cache/keyv'
      import { betterAuthStorage, type BetterAuthStorage } from 'redis-prefix-cache/better-auth'
      const cache = new RedisCache({ namespace: 'ts5' })
      const auth: BetterAuthStorage = betterAuthStorage({ cache })
      const id = 42
      const mine = ['user', id, ANY] as const
      const typed: Pattern = ['user', id, ANY]
      export const calls = [cache.all(mine), cache.all(typed), new RedisSessionStore({ cache }).sessionsOf(id), new KeyvPrefixCache({ cache }).get('k'), auth.get('k')]
    `,
    )
    const tsc5 = fileURLToPath(new URL('node_modules/typescript5/bin/tsc', root))
    const checked = await run(process.execPath, [tsc5, '--version'])
    assert.match(checked.stdout, /Version 5\./)
    await run(process.execPath, [tsc5, '--module', 'commonjs', '--target', 'es2022', '--strict', '--noEmit', '--types', 'node', 'app.ts'], { cwd: dir }).catch(
      (error: { stdout?: string }) => {
        throw new Error(`tsc 5 (module commonjs) failed: ${error.stdout}`)
      },
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

onSingle(test)(
  'the packed tarball in a project with node-redis and no ioredis: a URL makes a node-redis client, a client passes in, the CLI works, TypeScript compiles with skipLibCheck false (a typo in the redis option an error); with no client library, a TypeError says to install one',
  async ({ server }) => {
    const run = promisify(execFile)
    const dir = mkdtempSync(join(tmpdir(), 'node-redis-project-'))
    try {
      const { stdout: packed } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, maxBuffer: 16 << 20 })
      const tarball = join(dir, packed.trim().split('\n').at(-1)!)
      const redis5 = JSON.parse(readFileSync(new URL('node_modules/redis5/package.json', root), 'utf8')).version
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node-redis-app', version: '1.0.0', private: true, type: 'module' }))
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `redis@${redis5}`], { cwd: dir, maxBuffer: 16 << 20 })
      assert.not.ok(existsSync(join(dir, 'node_modules/ioredis')), 'ioredis is not installed: it is an optional peer')
      assert.not.ok(existsSync(join(dir, 'node_modules/better-auth')), 'better-auth is not installed: it is an optional peer')
      const url = server.url
      writeFileSync(
        join(dir, 'app.js'),
        `
      import { createClient } from 'redis'
      import { RedisCache } from 'redis-prefix-cache'
      import { RedisSessionStore } from 'redis-prefix-cache/session'
      import { betterAuthStorage } from 'redis-prefix-cache/better-auth'
      const url = process.argv[2]
      const own = new RedisCache({ redis: url, namespace: 'nr' })
      await own.put(['user', 1], 'from a URL')
      const client = await createClient({ url }).on('error', () => {}).connect()
      const passed = new RedisCache({ redis: client, namespace: 'nr' })
      const sessions = new RedisSessionStore({ redis: client })
      const auth = betterAuthStorage({ redis: client })
      await auth.set('verification:v', 'kept', 60)
      if ((await auth.get('verification:v')) !== 'kept') throw new Error('the better-auth storage lost a value')
      console.log(JSON.stringify([await passed.get(['user', 1]), typeof sessions.sessionsOf]))
      await own.close()
      await passed.close()
      await client.close()
    `,
      )
      const { stdout } = await run(process.execPath, ['app.js', url], { cwd: dir })
      assert.equal(JSON.parse(stdout.trim()), ['from a URL', 'function'])
      // TypeScript without ioredis, skipLibCheck false: no published declaration imports it
      // unguarded (TS2307 before), and the redis option is not any: a typo is an error.
      writeFileSync(
        join(dir, 'typed.ts'),
        `
      import { createClient, createCluster } from 'redis'
      import { RedisCache, ANY, type Key } from 'redis-prefix-cache'
      import { RedisSessionStore } from 'redis-prefix-cache/session'
      import { KeyvPrefixCache } from 'redis-prefix-cache/keyv'
      import { betterAuthStorage } from 'redis-prefix-cache/better-auth'
      const client = createClient()
      const cache = new RedisCache({ redis: client, namespace: 'x' })
      const spread = new RedisCache({ redis: createCluster({ rootNodes: [] }), buckets: 16 })
      const listed: Promise<Array<[Key, unknown]>> = cache.all(['user', ANY])
      const sessions = new RedisSessionStore({ redis: client })
      const keyv = new KeyvPrefixCache({ redis: client })
      const auth = betterAuthStorage({ redis: client })
      // @ts-expect-error: not a client, a URL or options
      const typo = new RedisCache({ redis: { hots: 'localhost' } })
      // The session store, imported, adds its operations to the type (operations.ts).
      const operation: import('redis-prefix-cache').Operation = 'session.get'
      export { listed, spread, sessions, keyv, auth, typo, operation }
    `,
      )
      const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root))
      const typeRoots = fileURLToPath(new URL('node_modules/@types', root))
      await run(
        process.execPath,
        [tsc, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', '--noEmit', '--skipLibCheck', 'false', '--typeRoots', typeRoots, '--types', 'node', 'typed.ts'],
        {
          cwd: dir,
        },
      ).catch((error: { stdout: string }) => {
        throw new Error(`tsc without ioredis (skipLibCheck false) failed: ${error.stdout}`)
      })
      const cli = await run('npx', ['--no-install', 'redis-prefix-cache', '--url', url, '--namespace', 'nr', 'get', '"user"', '1'], { cwd: dir })
      assert.match(cli.stdout, /from a URL/)
      // With no client library at all: the constructor says to install one.
      rmSync(join(dir, 'node_modules/redis'), { recursive: true, force: true })
      rmSync(join(dir, 'node_modules/@redis'), { recursive: true, force: true })
      const none = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { RedisCache } from 'redis-prefix-cache'; try { new RedisCache({ redis: ${JSON.stringify(url)} }) } catch (e) { console.log(e.constructor.name + ': ' + e.message) }`,
        ],
        { cwd: dir },
      )
      assert.match(none.stdout, /^TypeError: no Redis client library is installed: npm install ioredis \(or redis\)/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

onSingle(test)(
  'the packed tarball in a project with Valkey GLIDE and no other client: a GlideClient passed in works (the store, the session store, Keyv), TypeScript compiles with skipLibCheck false, the redis option taking GLIDE clients without a cast',
  async ({ server }) => {
    const run = promisify(execFile)
    const dir = mkdtempSync(join(tmpdir(), 'glide-project-'))
    try {
      const { stdout: packed } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, maxBuffer: 16 << 20 })
      const tarball = join(dir, packed.trim().split('\n').at(-1)!)
      const glide = JSON.parse(readFileSync(new URL('node_modules/@valkey/valkey-glide/package.json', root), 'utf8')).version
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'glide-app', version: '1.0.0', private: true, type: 'module' }))
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `@valkey/valkey-glide@${glide}`], { cwd: dir, maxBuffer: 16 << 20 })
      assert.not.ok(existsSync(join(dir, 'node_modules/ioredis')), 'ioredis is not installed: it is an optional peer')
      assert.not.ok(existsSync(join(dir, 'node_modules/redis')), 'node-redis is not installed: it is an optional peer')
      writeFileSync(
        join(dir, 'app.js'),
        `
      import { GlideClient, Logger } from '@valkey/valkey-glide'
      import { RedisCache, ANY } from 'redis-prefix-cache'
      import { RedisSessionStore } from 'redis-prefix-cache/session'
      import { KeyvPrefixCache } from 'redis-prefix-cache/keyv'
      Logger.setLoggerConfig('off')
      const client = await GlideClient.createClient({ addresses: [{ host: '127.0.0.1', port: Number(process.argv[2]) }], requestTimeout: 5000 })
      const cache = new RedisCache({ redis: client, namespace: 'gl' })
      await cache.put(['user', 1, 'session', 'a'], { at: new Date(0) })
      const sessions = new RedisSessionStore({ redis: client, userOf: (s) => s.user })
      await new Promise((resolve, reject) => sessions.set('sid', { cookie: { maxAge: 60000 }, user: 1 }, (e) => (e ? reject(e) : resolve())))
      const keyv = new KeyvPrefixCache({ redis: client })
      await keyv.set('k', '"v"')
      console.log(JSON.stringify([(await cache.all(['user', 1, 'session', ANY])).length, (await sessions.sessionsOf(1)).length, await keyv.get('k')]))
      await cache.close()
      await sessions.close()
      await keyv.disconnect()
      client.close()
      try {
        new RedisCache({ redis: 'redis://127.0.0.1:' + process.argv[2] })
      } catch (error) {
        console.log(JSON.stringify(error.constructor.name + ': ' + error.message))
      }
    `,
      )
      const { stdout } = await run(process.execPath, ['app.js', String(server.port)], { cwd: dir })
      const [used, fromUrl] = stdout.trim().split('\n')
      assert.equal(JSON.parse(used as string), [1, 1, '"v"'])
      // A URL makes a client of the store's own (ioredis or node-redis): with GLIDE alone, the error says to pass the GLIDE client.
      assert.match(
        JSON.parse(fromUrl as string),
        /^TypeError: a URL makes a client of the store's own, with ioredis or node-redis, and neither is installed: with Valkey GLIDE, pass your client/,
      )
      const cli = await run('npx', ['--no-install', 'redis-prefix-cache', '--url', server.url, 'ls', '**'], { cwd: dir }).then(
        () => 'succeeded',
        (error: { stderr: string }) => error.stderr,
      )
      assert.match(cli, /with Valkey GLIDE, pass your client/)
      writeFileSync(
        join(dir, 'typed.ts'),
        `
      import { GlideClient, GlideClusterClient } from '@valkey/valkey-glide'
      import { RedisCache } from 'redis-prefix-cache'
      import { RedisSessionStore } from 'redis-prefix-cache/session'
      export async function make() {
        const client = await GlideClient.createClient({ addresses: [{ host: 'localhost' }] })
        const cluster = await GlideClusterClient.createClient({ addresses: [{ host: 'localhost' }] })
        // @ts-expect-error: not a client, a URL or options
        const typo = new RedisCache({ redis: { hots: 'localhost' } })
        return [new RedisCache({ redis: client }), new RedisCache({ redis: cluster, buckets: 16 }), new RedisSessionStore({ redis: client }), typo]
      }
    `,
      )
      const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root))
      const typeRoots = fileURLToPath(new URL('node_modules/@types', root))
      await run(
        process.execPath,
        [tsc, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', '--noEmit', '--skipLibCheck', 'false', '--typeRoots', typeRoots, '--types', 'node', 'typed.ts'],
        { cwd: dir },
      ).catch((error: { stdout: string }) => {
        throw new Error(`tsc with GLIDE alone (skipLibCheck false) failed: ${error.stdout}`)
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

test.run()
