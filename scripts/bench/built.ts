/**
 * The store as its users run it: the built package (dist/, from `npm run build`), not the
 * TypeScript sources through tsx, whose transform adds work to every function a call creates
 * (esbuild's keepNames), which would be charged to us and not to the peers, who run built.
 */
import { existsSync } from 'node:fs'
import type * as Core from '../../src/index.js'
import type * as BetterAuth from '../../src/better-auth/index.js'
import type * as Keyv from '../../src/keyv/index.js'
import type * as RateLimit from '../../src/rate-limit/index.js'
import type * as Session from '../../src/session/index.js'
import type * as Unstorage from '../../src/unstorage/index.js'

const dist = new URL('../../dist/', import.meta.url)

async function load<T>(path: string): Promise<T> {
  const file = new URL(path, dist)
  if (!existsSync(file)) throw new Error(`${file.pathname} is missing: run \`npm run build\` first (npm run bench does)`)
  return (await import(file.href)) as T
}

const core = await load<typeof Core>('index.js')
export const RedisCache = core.RedisCache
export const ANY: typeof Core.ANY = core.ANY
export type RedisCache = Core.RedisCache
export const { RedisSessionStore } = await load<typeof Session>('session/index.js')
export const { KeyvPrefixCache } = await load<typeof Keyv>('keyv/index.js')
export const { betterAuthStorage } = await load<typeof BetterAuth>('better-auth/index.js')
export const { RateLimitStore } = await load<typeof RateLimit>('rate-limit/index.js')
export const prefixCacheDriver = (await load<typeof Unstorage>('unstorage/index.js')).default
