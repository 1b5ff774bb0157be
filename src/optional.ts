/**
 * Optional packages (the Redis client libraries, express-session), found at run time where
 * the application has them installed. Works unbundled (ESM), and inside an app bundled to
 * ESM or CommonJS (esbuild, webpack), where `import.meta.url` may be missing and the
 * bundle's own `require` is the one to use.
 */
import { createRequire } from 'node:module'

let local: NodeJS.Require | null | undefined

function localRequire(): NodeJS.Require | null {
  if (local === undefined) {
    try {
      local = createRequire(import.meta.url)
    } catch {
      local = typeof require === 'function' ? require : null
    }
  }
  return local
}

/** The package if it is installed, else undefined; any other failure to load it is thrown. */
export function optionalPackage<T>(name: string): T | undefined {
  const load = localRequire()
  if (!load) return undefined
  try {
    return load(name) as T
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined
    throw error
  }
}
