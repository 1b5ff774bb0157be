/**
 * Scripts as the client seam (client/) runs them. Whoever brings scripts defines them here:
 * the core its own (commands.ts: lua/*.lua), each integration its folder (session/commands.ts:
 * lua/session/*.lua), from the texts a generated module holds (written at build by
 * scripts/build/generate.ts: the library reads no file of its own at run time). The core
 * names no integration's script; a client gets a script defined (ioredis) or loaded
 * (node-redis) when a store first sends it.
 *
 * A script runs under a name that carries the package version, so two versions of this
 * library sharing one connection never run each other's scripts.
 */
import { version } from './version.js'

export interface Script {
  /** Its file in lua/ without .lua: 'put', or 'session/set' for an integration's. */
  readonly name: string
  /** Its text, includes pasted in, as sent to Redis. */
  readonly source: string
  /** The command name it is registered under on a client that names scripts (ioredis defineCommand). */
  readonly command: string
  /**
   * Whether this is a read-only variant (flags=no-writes, repairs nothing): sent as a read
   * (EVALSHA_RO, or EVALSHA of a no-writes script: a replica runs either), to a replica where
   * the client reads from replicas.
   */
  readonly readOnly: boolean
  /** The script's read-only variant, for a script that only reads and may repair (lua/: `local READONLY = false`). */
  readonly variant: Script | undefined
}

const versionTag = version.replace(/[^0-9A-Za-z]/g, '_')

/** Every script defined so far, by name: a name is one script (two copies of this version may define it twice, the same). */
const defined = new Map<string, Script>()

/**
 * Defines a group of scripts from a generated module's LUA and LUA_READ_ONLY: `group` is
 * their folder in lua/ ('' for the core's). Answers them by their name in the group.
 */
export function defineScripts<N extends string>(group: string, sources: Readonly<Record<N, string>>, readOnly: Readonly<Partial<Record<N, string>>>): Record<N, Script> {
  const scripts = {} as Record<N, Script>
  for (const short of Object.keys(sources) as N[]) {
    const name = group === '' ? short : `${group}/${short}`
    const command = `prefixCache_${name.replace(/[^0-9A-Za-z]/g, '_')}_${versionTag}`
    const variantSource = readOnly[short]
    const variant = variantSource === undefined ? undefined : script(`${name} (read-only)`, variantSource, `${command}_ro`, true, undefined)
    scripts[short] = script(name, sources[short], command, false, variant)
  }
  return scripts
}

function script(name: string, source: string, command: string, readOnly: boolean, variant: Script | undefined): Script {
  const known = defined.get(name)
  if (known !== undefined) {
    if (known.source !== source) throw new Error(`script ${name} is defined twice, with different texts`)
    return known
  }
  const made: Script = Object.freeze({ name, source, command, readOnly, variant })
  defined.set(name, made)
  return made
}

/** The scripts defined so far (those of the core, and of each integration imported), variants included. */
export function definedScripts(): Script[] {
  return [...defined.values()]
}
