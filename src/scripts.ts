/**
 * The Lua scripts in lua/: loaded once, their `-- @include name` lines replaced by
 * lua/includes/name.lua (see loadScript), and registered on a client with ioredis `defineCommand` under
 * names that carry the package version, so two versions of this library sharing one
 * connection never run each other's scripts. ioredis sends EVALSHA and falls back to EVAL
 * when the server does not know the script (after SCRIPT FLUSH, a restart or a failover).
 */
import { readFileSync } from 'node:fs'
import type { Cluster, Redis } from 'ioredis'
import { version } from './version.js'

export type Client = Redis | Cluster

/** The scripts, by the name of their file in lua/. */
export const SCRIPTS = [
  'put',
  'add',
  'delete',
  'touch',
  'read',
  'page',
  'count',
  'deletePage',
  'verifyValues',
  'verifyIndex',
  'sessionSet',
  'sessionTouch',
  'sessionRead',
  'sessionDestroy',
  'sessionRevoke',
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
  return `prefixCache_${script}_${versionTag}`
}

const sources = new Map<ScriptName, string>(SCRIPTS.map((name) => [name, loadScript(name)]))

/** Registers every script on the client, unless this version already did. */
export function defineScripts(client: Client): void {
  for (const [name, lua] of sources) {
    const command = commandName(name)
    if (typeof (client as unknown as Record<string, unknown>)[command] !== 'function') {
      client.defineCommand(command, { lua })
    }
  }
}

type ScriptCommand = (numberOfKeys: number, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>

/** Runs a script: keys go to KEYS, args to ARGV. ioredis flattens the arrays. */
export function runScript(client: Client, script: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const command = (client as unknown as Record<string, ScriptCommand>)[commandName(script)]
  if (!command) throw new Error(`script ${script} is not registered on this client`)
  return command.call(client, keys.length, keys, args)
}
