/**
 * The Lua scripts of lua/, their `-- @include name` lines replaced by lua/includes/name.lua,
 * as generated.ts holds them (written at build by scripts/build/generate.ts: the library
 * reads no file of its own at run time), named for the client seam (client/) with names
 * that carry the package version, so two versions of this library sharing one connection
 * never run each other's scripts.
 */
import { LUA, LUA_READ_ONLY } from './generated.js'
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

const versionTag = version.replace(/[^0-9A-Za-z]/g, '_')

/** The scripts that have a read-only variant (flags=no-writes, repairs nothing): what a replica runs. */
export type ReadOnlyScript = keyof typeof LUA_READ_ONLY

export function hasReadOnly(script: ScriptName): script is ReadOnlyScript {
  return script in LUA_READ_ONLY
}

/** The command name a script (or its read-only variant) is registered under on a client. */
export function commandName(script: ScriptName, readOnly = false): string {
  return readOnly ? `${commandNames[script]}_ro` : commandNames[script]
}
const commandNames = Object.fromEntries(SCRIPTS.map((name) => [name, `prefixCache_${name}_${versionTag}`])) as Record<ScriptName, string>

/** A script's text, includes pasted in, as sent to Redis (generated at build from lua/: generated.ts). */
export function scriptSource(name: ScriptName, readOnly = false): string {
  if (readOnly) {
    if (!hasReadOnly(name)) throw new Error(`script ${name} has no read-only variant`)
    return LUA_READ_ONLY[name]
  }
  return LUA[name]
}
