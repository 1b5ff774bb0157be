/**
 * The built package: dist/ (written by `npm run build`, which `npm install` runs through
 * `prepare`) works from plain Node, with no TypeScript loader, through the package exports.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
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
  assert.ok(pkg.files.includes('lua'), 'lua/ is published')
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/store.d.ts']) {
    assert.ok(existsSync(new URL(file, root)), `${file} is missing: run npm run build`)
  }
})

onSingle(test)('plain node imports the package by name and uses it', async ({ server }) => {
  const program = `
    import { RedisCache, ANY } from 'redis-prefix-cache'
    const cache = new RedisCache({ redis: process.argv[1], namespace: 'pkg' })
    await cache.put(['user', 1, 'session', 's'], { ok: true })
    const listed = await cache.all(['user', 1, 'session', ANY])
    await cache.close()
    console.log(JSON.stringify(listed))
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program, server.url], { cwd: root })
  assert.equal(JSON.parse(stdout), [[['user', 1, 'session', 's'], { ok: true }]])
})

test.run()
