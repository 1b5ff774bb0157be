/**
 * The Lua scripts in lua/: loaded once, their `-- @include name` lines replaced by
 * lua/includes/name.lua (see loadScript), and named for the client seam (client/) with
 * names that carry the package version, so two versions of this library sharing one
 * connection never run each other's scripts.
 */
import { readFileSync } from 'node:fs'
import { version } from './version.js'

/** The scripts, by the name of their file in lua/. */
export const SCRIPTS = [
  'put',
  'add',
  'increment',
  'delete',
  'touch',
  'read',
  'page',
  'count',
  'deletePage',
  'verifyValues',
  'verifyIndex',
  'sessionSet',
  'sessionResave',
  'sessionTouch',
  'sessionRead',
  'sessionDestroy',
  'sessionRevoke',
  'sessionClear',
] as const
export type ScriptName = (typeof SCRIPTS)[number]

const luaDir = new URL('../lua/', import.meta.url)

/**
 * A script's text with its includes pasted in. A `-- @include name` line (in a script or in
 * an include) is replaced by lua/includes/name.lua, whose own includes come first; each
 * include is pasted once per script, where it is first needed, so a function is always
 * defined before the code that calls it. A missing include or a cycle is an error here, when
 * the library loads, not in Redis.
 */
export function loadScript(name: string, dir: URL = luaDir): string {
  const included = new Set<string>()
  const expand = (text: string, chain: readonly string[]): string =>
    text.replace(/^-- @include (\w+)$/gm, (_, include: string) => {
      if (chain.includes(include)) throw new Error(`lua: include cycle ${[...chain, include].join(' -> ')}`)
      if (included.has(include)) return `-- (included above: ${include})`
      included.add(include)
      let source: string
      try {
        source = readFileSync(new URL(`includes/${include}.lua`, dir), 'utf8')
      } catch {
        throw new Error(`lua: ${chain.at(-1)} includes ${include}, but there is no lua/includes/${include}.lua`)
      }
      return expand(source, [...chain, include]).trimEnd()
    })
  return expand(readFileSync(new URL(`${name}.lua`, dir), 'utf8'), [name])
}

const versionTag = version.replace(/[^0-9A-Za-z]/g, '_')

/** The command name a script is registered under on a client. */
export function commandName(script: ScriptName): string {
  return commandNames[script]
}
const commandNames = Object.fromEntries(SCRIPTS.map((name) => [name, `prefixCache_${name}_${versionTag}`])) as Record<ScriptName, string>

const sources = new Map<ScriptName, string>(SCRIPTS.map((name) => [name, loadScript(name)]))

/** A script's text, includes pasted in, as sent to Redis. */
export function scriptSource(name: ScriptName): string {
  return sources.get(name) as string
}
