/**
 * The Lua scripts: headers, versioned registration, EVALSHA falling back to EVAL unseen.
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as assert from 'uvu/assert'
import { suite } from 'uvu'
import { ANY, RedisCache } from '../src/index.js'
import { commandName, loadScript, SCRIPTS } from '../src/scripts.js'
import { version } from '../src/version.js'
import { redisSuite } from './helpers.js'

const unit = suite('script files')

unit('every script opens with a header naming its KEYS, ARGV and output', () => {
  const files = readdirSync(new URL('../lua/', import.meta.url)).filter((name) => name.endsWith('.lua'))
  assert.equal(files.map((name) => name.replace(/\.lua$/, '')).sort(), [...SCRIPTS].sort())
  for (const name of files) {
    const text = readFileSync(new URL(`../lua/${name}`, import.meta.url), 'utf8')
    assert.match(text, /^#!lua( flags=[a-z-,]+)?\n--\[\[\n/, `${name} starts with a shebang and a header`)
    const header = text.slice(0, text.indexOf(']]'))
    assert.match(header, /Input:/, name)
    assert.match(header, /KEYS/, name)
    assert.match(header, /Output:/, name)
  }
})

unit('includes are expanded, and no script is built from input', () => {
  for (const name of SCRIPTS) {
    const lua = loadScript(name)
    assert.not.match(lua, /@include/)
    assert.ok(lua.startsWith('#!lua'))
  }
})

unit('command names carry the package version', () => {
  assert.is(commandName('put'), `prefixCache_put_${version.replace(/[^0-9A-Za-z]/g, '_')}`)
})

unit.run()

const test = redisSuite('scripts')

test('SCRIPT FLUSH under load: no caller sees an error', async ({ cache, admin }) => {
  const store = cache()
  let stop = false
  let calls = 0
  const workers = Array.from({ length: 8 }, async (_, w) => {
    while (!stop) {
      await store.put(['w', w, calls % 20], calls)
      await store.all(['w', w, ANY])
      await store.delete(['w', w, (calls + 7) % 20])
      calls++
    }
  })
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    await admin.script('FLUSH')
  }
  stop = true
  await Promise.all(workers)
  assert.ok(calls > 50, `only ${calls} calls`)
})

test('two versions of the library on one connection keep their own scripts', async ({ client }) => {
  const redis = client()
  const store = new RedisCache({ redis })
  // Another version registers a script of the same purpose under its own name.
  redis.defineCommand('prefixCache_put_0_0_1', { lua: 'return "other version"' })
  await store.put('k', 1)
  assert.is(await store.get('k'), 1)
  const other = (redis as unknown as Record<string, (n: number) => Promise<string>>).prefixCache_put_0_0_1
  assert.is(await other?.call(redis, 0), 'other version')
  assert.is(typeof (redis as unknown as Record<string, unknown>)[commandName('put')], 'function')
})

test.run()
