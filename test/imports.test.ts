/**
 * The import graph of src/: no cycle, type imports included (a cycle is what makes a module
 * hard to change alone, and a bundler's order undefined), and only client/ imports a Redis
 * client library (the seam; the package test compiles a project without ioredis against the
 * published declarations).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))
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

test('only client/ imports a Redis client library', () => {
  for (const [file] of graph()) {
    const text = readFileSync(file, 'utf8')
    const libraries = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(ioredis|redis|@redis\/client)'/gms)].map((m) => m[1])
    if (libraries.length === 0) continue
    assert.ok(relative(src, file).startsWith('client/'), `${relative(src, file)} imports ${libraries.join(', ')}`)
  }
})

test.run()
