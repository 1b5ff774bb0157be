/**
 * The import graph of src/: no cycle, type imports included (a cycle is what makes a module
 * hard to change alone, and a bundler's order undefined); every import goes down the layers
 * CONTRIBUTING.md draws (read from its drawing, so the drawing and the code cannot part);
 * and only client/ imports a Redis client library (the seam; the package test compiles a
 * project without ioredis against the published declarations).
 */
// test-targets: single cluster
// test-clients: ioredis node-redis5 node-redis6
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const test = suite('imports')
const src = fileURLToPath(new URL('../src/', import.meta.url))

/** Every module of src/ with the modules of src/ it imports or re-exports from. */
function graph(): Map<string, string[]> {
  const files = (readdirSync(src, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => join(src, file))
  const edges = new Map<string, string[]>()
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    const specifiers = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms), ...text.matchAll(/^import\s+'(\.[^']+)'/gm)].map((m) => m[1] as string)
    const targets = specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
    edges.set(file, targets)
  }
  return edges
}

/** The strongly connected components of more than one module (Tarjan): the cycles. */
function cycles(edges: Map<string, string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop() as string
        onStack.delete(w)
        component.push(relative(src, w))
      } while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return found
}

test('src/ has no import cycle (type imports included)', () => {
  assert.equal(cycles(graph()), [])
})

test('the cycle check finds a cycle', () => {
  assert.equal(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ).map((c) => c.length),
    [3],
  )
})

/** The layers of CONTRIBUTING.md's drawing, top first: each a name and the modules (files, or folders ending in /) of src/ in it. */
function layers(): Array<{ name: string; modules: string[] }> {
  const text = readFileSync(new URL('../CONTRIBUTING.md', import.meta.url), 'utf8')
  const block = text.match(/```layers\n([\s\S]*?)```/)?.[1]
  assert.ok(block, 'CONTRIBUTING.md draws the layers in a ```layers block')
  const found: Array<{ name: string; modules: string[] }> = []
  for (const line of (block as string).split('\n')) {
    const words = line.trim().split(/\s+/)
    if (words.length < 2 || line.startsWith(' ')) {
      // a continuation line (indented): more modules of the layer above
      if (words[0] && found.length > 0) found.at(-1)?.modules.push(...words.filter((word) => /\.ts$|\/$/.test(word)))
      continue
    }
    found.push({ name: words[0] as string, modules: words.slice(1).filter((word) => /\.ts$|\/$/.test(word)) })
  }
  return found
}

/** The layer of a module of src/: its position in the drawing, counted from the bottom. */
function layerOf(drawn: Array<{ name: string; modules: string[] }>, module: string): { name: string; level: number } | undefined {
  for (let i = 0; i < drawn.length; i++) {
    const layer = drawn[i] as { name: string; modules: string[] }
    if (layer.modules.some((entry) => (entry.endsWith('/') ? module.startsWith(entry) : module === entry))) return { name: layer.name, level: drawn.length - i }
  }
  return undefined
}

test("every module of src/ is in one layer of CONTRIBUTING.md's drawing, and imports only its own layer or those below", () => {
  const drawn = layers()
  assert.ok(drawn.length >= 5, `${drawn.length} layers read`)
  const upward: string[] = []
  for (const [file, targets] of graph()) {
    const module = relative(src, file)
    const at = layerOf(drawn, module)
    assert.ok(at, `${module} is in no layer of CONTRIBUTING.md's drawing`)
    const homes = drawn.filter((layer) => layer.modules.some((entry) => (entry.endsWith('/') ? module.startsWith(entry) : module === entry)))
    assert.is(homes.length, 1, `${module} is in ${homes.map((layer) => layer.name).join(' and ')}`)
    for (const target of targets) {
      const to = layerOf(drawn, relative(src, target))
      if (to && at && to.level > at.level) upward.push(`${module} (${at.name}) imports ${relative(src, target)} (${to.name})`)
    }
  }
  assert.equal(upward, [], 'imports that run up the layers')
})

test('the layer check finds an import that runs up', () => {
  const drawn = [
    { name: 'top', modules: ['a.ts'] },
    { name: 'bottom', modules: ['b/'] },
  ]
  assert.is(layerOf(drawn, 'b/c.ts')?.level, 1)
  assert.is(layerOf(drawn, 'a.ts')?.level, 2)
  assert.is(layerOf(drawn, 'x.ts'), undefined)
})

test('the store class stays thin: store.ts at most 350 lines (new capabilities go in modules of their own)', () => {
  const lines = readFileSync(join(src, 'store.ts'), 'utf8').split('\n').length - 1
  assert.ok(lines <= 350, `store.ts has ${lines} lines`)
})

test("the core registers no integration's scripts or operations; importing the session store registers its own", async () => {
  const probe = `
    const { isOperation } = await import('./src/operations.ts')
    const { definedScripts } = await import('./src/scripts.ts')
    await import('./src/index.ts')
    const core = [isOperation('session.get'), definedScripts().some((s) => s.name.startsWith('session/'))]
    await import('./src/session/index.ts')
    const session = [isOperation('session.get'), definedScripts().some((s) => s.name.startsWith('session/'))]
    console.log(JSON.stringify({ core, session }))
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: fileURLToPath(new URL('..', import.meta.url)) })
  assert.equal(JSON.parse(stdout), { core: [false, false], session: [true, true] })
})

test('only client/ imports a Redis client library', () => {
  for (const [file] of graph()) {
    const text = readFileSync(file, 'utf8')
    const libraries = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(ioredis|redis|@redis\/client)'/gms)].map((m) => m[1])
    if (libraries.length === 0) continue
    assert.ok(relative(src, file).startsWith('client/'), `${relative(src, file)} imports ${libraries.join(', ')}`)
  }
})

test.run()
