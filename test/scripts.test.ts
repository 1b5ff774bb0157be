/**
 * The Lua scripts: headers, versioned registration, EVALSHA falling back to EVAL unseen.
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as assert from 'uvu/assert'
import { suite } from 'uvu'
import { ANY, RedisCache } from '../src/index.js'
import { generatedFile, generatedModule, loadScript, scriptGroups, scriptNames } from '../scripts/build/lua.js'
import { SCRIPTS } from '../src/commands.js'
import { definedScripts } from '../src/scripts.js'
import { SCRIPTS as RATE_LIMIT_SCRIPTS } from '../src/rate-limit/commands.js'
import { SCRIPTS as SESSION_SCRIPTS } from '../src/session/commands.js'
import { version } from '../src/version.js'
import { CLIENT, onSingle, redisSuite } from './helpers.js'

/** Every script of lua/: the core's, and each integration's folder's ('session/set'). */
const ALL = ['', ...scriptGroups()].flatMap((group) => scriptNames(group))

const unit = suite('script files')

unit('every script opens with a header naming its KEYS, ARGV and output; each is defined by the core or by the integration of its folder', () => {
  assert.equal(
    definedScripts()
      .filter((script) => !script.readOnly)
      .map((script) => script.name)
      .sort(),
    [...ALL].sort(),
  )
  assert.equal(Object.keys(SCRIPTS).sort(), scriptNames(''), 'the core defines lua/*.lua')
  const integrations: Array<[group: string, scripts: Record<string, { name: string }>, who: string]> = [
    ['session', SESSION_SCRIPTS, 'the session store'],
    ['rate-limit', RATE_LIMIT_SCRIPTS, 'the rate limiter'],
  ]
  for (const [group, scripts, who] of integrations) {
    assert.equal(
      Object.values(scripts)
        .map((script) => script.name)
        .sort(),
      scriptNames(group),
      `${who} defines lua/${group}/*.lua`,
    )
  }
  for (const name of ALL.map((script) => `${script}.lua`)) {
    const text = readFileSync(new URL(`../lua/${name}`, import.meta.url), 'utf8')
    assert.match(text, /^#!lua( flags=[a-z-,]+)?\n--\[\[\n/, `${name} starts with a shebang and a header`)
    const header = text.slice(0, text.indexOf(']]'))
    assert.match(header, /Input:/, name)
    assert.match(header, /KEYS/, name)
    assert.match(header, /Output:/, name)
  }
})

unit('includes are expanded, and no script is built from input', () => {
  for (const name of ALL) {
    const lua = loadScript(name)
    assert.not.match(lua, /@include/)
    assert.ok(lua.startsWith('#!lua'))
  }
})

/** A lua/ folder of its own: scripts and includes given as text. */
function luaFolder(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'lua-'))
  mkdirSync(join(dir, 'includes'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.lua`), text)
  return pathToFileURL(`${dir}/`)
}

unit('includes declare their own includes: pasted first, each once per script; a cycle or a missing include fails at load', () => {
  const dir = luaFolder({
    main: '-- @include b\n-- @include a\nreturn a() + b()',
    'includes/a': '-- @include c\nlocal function a() return c() end',
    'includes/b': '-- @include c\nlocal function b() return c() * 2 end',
    'includes/c': 'local function c() return 1 end',
    loop: '-- @include x',
    'includes/x': '-- @include y\nlocal x = 1',
    'includes/y': '-- @include x\nlocal y = 1',
    missing: '-- @include a\n-- @include nowhere',
  })
  const main = loadScript('main', dir)
  assert.is(main.match(/local function c\(\)/g)?.length, 1, 'c once')
  assert.ok(main.indexOf('local function c()') < main.indexOf('local function b()'), 'an include before what needs it')
  assert.ok(main.indexOf('local function b()') < main.indexOf('local function a()'))
  assert.not.match(main, /@include/)
  assert.throws(() => loadScript('loop', dir), /lua: include cycle loop -> x -> y -> x/)
  assert.throws(() => loadScript('missing', dir), /lua: missing includes nowhere, but there is no lua\/includes\/nowhere\.lua/)
  rmSync(fileURLToPath(dir), { recursive: true, force: true })
})

unit('no include lists what its own includes already bring, and every function is defined before a script calls it', () => {
  for (const name of ALL) {
    const lua = loadScript(name)
    for (const [, fn, at] of [...lua.matchAll(/^local function (\w+)/gm)].map((m) => [m, m[1]!, m.index!] as const)) {
      const code = lua
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n')
      const first = code.search(new RegExp(`\\b${fn}\\(`))
      assert.ok(first >= code.indexOf(`local function ${fn}(`), `${name}: ${fn} is called before it is defined (at ${at})`)
    }
  }
  for (const file of readdirSync(new URL('../lua/includes/', import.meta.url))) {
    assert.not.match(readFileSync(new URL(`../lua/includes/${file}`, import.meta.url), 'utf8'), /Needs /, `${file}: an include says what it needs with @include`)
  }
})

unit(
  'src/generated.ts and src/GROUP/generated.ts hold exactly the scripts of lua/ and lua/GROUP/ (includes pasted in) and the version of package.json: run `npm run generate` after editing lua/',
  () => {
    for (const group of ['', ...scriptGroups()]) {
      const written = readFileSync(generatedFile(group), 'utf8')
      assert.ok(written === generatedModule(group), `${generatedFile(group).pathname} is out of date: npm run generate`)
    }
    for (const script of definedScripts()) {
      if (!script.readOnly) assert.is(script.source, loadScript(script.name), script.name)
    }
    assert.is(version, JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version)
  },
)

unit('command names carry the package version (and an integration its folder)', () => {
  const tag = version.replace(/[^0-9A-Za-z]/g, '_')
  assert.is(SCRIPTS.put.command, `prefixCache_put_${tag}`)
  assert.is(SCRIPTS.read.variant?.command, `prefixCache_read_${tag}_ro`)
  assert.is(SESSION_SCRIPTS.set.command, `prefixCache_session_set_${tag}`)
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
  assert.is(typeof (redis as unknown as Record<string, unknown>)[SCRIPTS.put.command], 'function')
})

onSingle(test)(
  'a client gets a script when a store first sends it: none at import, and a store that is no session store sends none of the session scripts',
  async ({ cache, admin, client }) => {
    const sha = (source: string) => createHash('sha1').update(source).digest('hex')
    const loaded = async (sources: string[]) => ((await admin.call('SCRIPT', 'EXISTS', ...sources.map(sha))) as number[]).map(Boolean)
    if (CLIENT === 'ioredis') {
      const redis = client()
      const named = (name: string) => typeof (redis as unknown as Record<string, unknown>)[name] === 'function'
      const store = new RedisCache({ redis })
      assert.not.ok(named(SCRIPTS.put.command), 'not defined before the store sends it')
      await store.put(['a', 1], 1)
      assert.ok(named(SCRIPTS.put.command), 'defined once sent')
      assert.not.ok(named(SCRIPTS.deletePage.command), 'a script never sent is never defined')
      assert.not.ok(named(SESSION_SCRIPTS.set.command))
    }
    const store = cache()
    await store.put(['a', 1], 1)
    await store.add(['a', 2], 2)
    await store.all(['a', ANY])
    await store.delete(['a', 1])
    assert.equal(await loaded([SCRIPTS.put.source, SCRIPTS.add.source, SCRIPTS.page.source, SCRIPTS.delete.source]), [true, true, true, true])
    assert.equal(
      await loaded(Object.values(SESSION_SCRIPTS).map((script) => script.source)),
      Object.values(SESSION_SCRIPTS).map(() => false),
    )
  },
)

test.run()
