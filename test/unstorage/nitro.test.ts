/**
 * The unstorage driver as the cache storage of a real Nitro app (nitropack 2, what Nuxt
 * builds on): test/unstorage/nitro-app/ is built with Nitro's node-server preset, its output
 * run as a subprocess; a cached route answers from Redis, and the app's storage lists Nitro's
 * cache entries from the driver's index.
 */
// test-targets: single
// test-clients: ioredis
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { build, copyPublicAssets, createNitro, prepare } from 'nitropack'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startRedis } from '../../scripts/embedded-redis.js'
import { freePort, sleep } from '../helpers.js'

const test = suite('unstorage in a Nitro app')
const appDir = fileURLToPath(new URL('./nitro-app/', import.meta.url))

test("a Nitro app's route cache lives in the driver: a cached route answers the same body from Redis, and the app lists its entries", async () => {
  assert.ok(existsSync(new URL('../../dist/unstorage/index.js', import.meta.url)), 'dist/ is built (npm test builds before it runs the tests)')
  const server = await startRedis()
  const admin = new Redis(server.url)
  const out = mkdtempSync(join(tmpdir(), 'nitro-build-'))
  let child: ChildProcess | undefined
  try {
    const nitro = await createNitro({
      rootDir: appDir,
      buildDir: join(out, '.nitro'),
      output: { dir: join(out, '.output') },
      preset: 'node-server',
      logLevel: 0,
      compatibilityDate: '2026-12-01',
    })
    await prepare(nitro)
    await copyPublicAssets(nitro)
    await build(nitro)
    await nitro.close()
    const port = await freePort()
    child = spawn(process.execPath, [join(out, '.output/server/index.mjs')], {
      env: { ...process.env, PORT: String(port), REDIS_URL: server.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk) => (stderr += chunk))
    const url = `http://127.0.0.1:${port}`
    let first: unknown
    for (let i = 0; i < 100 && first === undefined; i++) {
      first = await fetch(`${url}/time`).then(
        (res) => res.json(),
        () => undefined,
      )
      if (first === undefined) await sleep(100)
    }
    assert.ok(first, `the app answered: ${stderr}`)
    assert.equal(await (await fetch(`${url}/time`)).json(), first, 'the second request is answered from the cache')
    const { keys } = (await (await fetch(`${url}/keys`)).json()) as { keys: string[] }
    assert.ok(keys.length === 1 && keys[0]?.startsWith('nitro:handlers:time:'), JSON.stringify(keys))
    const stored = await admin.keys('{nitro}:nitro:handlers:time:*')
    assert.is(stored.filter((key) => !key.endsWith('#')).length, 1, `in Redis under the namespace: ${stored.join(', ')}`)
    assert.is(await admin.dbsize(), (await admin.keys('{nitro}:*')).length, 'nothing outside the namespace')
  } finally {
    child?.kill()
    rmSync(out, { recursive: true, force: true })
    await admin.quit()
    await server.stop()
  }
})

test.run()
