/**
 * An app bundled with the library, as serverless and Next.js deployments ship it: esbuild
 * (`--bundle --platform=node`, ESM and CommonJS) and webpack (target node), the output run
 * with plain Node from a folder outside any node_modules, so that the library finds no file
 * of its own on disk: its Lua scripts and version are part of its modules (src/generated.ts).
 * It once could not start: version.js read ../package.json through
 * createRequire(import.meta.url), and scripts.js read ../lua/*.lua at import.
 *
 * The app passes its own ioredis client (bundled with it): a URL needs a client library
 * installed on disk, which a bundle does not have (the README says so).
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import * as esbuild from 'esbuild'
import webpack from 'webpack'
import * as assert from 'uvu/assert'
import { onIoredis, onSingle, redisSuite } from './helpers.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const test = redisSuite('bundle')

/**
 * The app: the core store, the session store and the Keyv adapter, each doing a real round
 * trip. Its body runs at the top level (ES module) or in an async function (CommonJS has no
 * top-level await).
 */
function app(url: string, format: 'esm' | 'cjs'): string {
  const body = `
const redis = new Redis(${JSON.stringify(url)})
const cache = new RedisCache({ redis, namespace: 'bundled' })
await cache.put(['user', 1, 'session', 'a'], { n: 1 })
await cache.putMany([[['user', 1, 'session', 'b'], { n: 2 }]])
const listed = await cache.all(['user', 1, 'session', ANY])
const sessions = new RedisSessionStore({ redis, userOf: (s) => s.user })
await sessions.set('sid', { cookie: { maxAge: 60000 }, user: 7 })
const mine = await sessions.sessionsOf(7)
const keyv = new KeyvPrefixCache({ redis, namespace: 'kv' })
await keyv.set('k', 'v')
console.log(JSON.stringify({ listed: listed.length, sessions: mine.length, keyv: await keyv.get('k'), cleared: await cache.clear() }))
await sessions.close()
await redis.quit()
`
  return `import { Redis } from 'ioredis'
import { RedisCache, ANY } from 'redis-prefix-cache'
import { RedisSessionStore } from 'redis-prefix-cache/session'
import { KeyvPrefixCache } from 'redis-prefix-cache/keyv'
${format === 'esm' ? body : `;(async () => {${body}})()`}`
}

/** A project folder whose node_modules has this package (a link to it) and, through it, ioredis. */
function project(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpc-bundle-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(root, join(dir, 'node_modules', 'redis-prefix-cache'))
  symlinkSync(join(root, 'node_modules', 'ioredis'), join(dir, 'node_modules', 'ioredis'))
  writeFileSync(join(dir, 'app.mjs'), source)
  return dir
}

/** Runs a bundle from a folder of its own, outside any node_modules. */
async function runAlone(file: string, name: string): Promise<unknown> {
  const alone = mkdtempSync(join(tmpdir(), 'rpc-bundled-'))
  try {
    const target = join(alone, name)
    copyFileSync(file, target)
    const { stdout } = await promisify(execFile)(process.execPath, [target], { cwd: alone, timeout: 30_000 })
    return JSON.parse(stdout.trim().split('\n').at(-1) as string)
  } finally {
    rmSync(alone, { recursive: true, force: true })
  }
}

const expected = { listed: 2, sessions: 1, keyv: 'v', cleared: 2 }

for (const format of ['esm', 'cjs'] as const) {
  onSingle(onIoredis(test))(`an app bundled by esbuild (${format}) runs from a folder of its own`, async ({ server }) => {
    const dir = project(app(server.url, format))
    try {
      const outfile = join(dir, 'out', format === 'esm' ? 'app.mjs' : 'app.cjs')
      await esbuild.build({
        entryPoints: [join(dir, 'app.mjs')],
        absWorkingDir: dir,
        bundle: true,
        platform: 'node',
        format,
        outfile,
        logLevel: 'silent',
        // ioredis is CommonJS: an ES module bundle gives it a require, as esbuild's docs say.
        banner: format === 'esm' ? { js: "import { createRequire as bannerRequire } from 'node:module'; const require = bannerRequire(import.meta.url);" } : {},
      })
      assert.equal(await runAlone(outfile, format === 'esm' ? 'app.mjs' : 'app.cjs'), expected)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

onSingle(onIoredis(test))('an app built by webpack (target node) runs from a folder of its own', async ({ server }) => {
  const dir = project(app(server.url, 'esm'))
  try {
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      webpack(
        {
          mode: 'production',
          target: 'node20',
          context: dir,
          entry: join(dir, 'app.mjs'),
          output: { path: join(dir, 'out'), filename: 'app.mjs', module: true, chunkFormat: 'module' },
          experiments: { outputModule: true },
          optimization: { minimize: false },
          resolve: { symlinks: true },
        },
        (error, result) => (error || !result ? reject(error) : resolve(result)),
      ),
    )
    assert.not.ok(stats.hasErrors(), stats.toString('errors-only'))
    assert.equal(await runAlone(join(dir, 'out', 'app.mjs'), 'app.mjs'), expected)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
