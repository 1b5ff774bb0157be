/**
 * After tsc: the declarations of the optional client types (dist/client/types.d.ts) keep the
 * `@ts-ignore` their source has above each `import type ... from` an optional peer (ioredis,
 * Valkey GLIDE; tsc drops it), so that a project without that peer compiles with
 * `skipLibCheck: false`; the type is then `never` (src/client/types.ts). Fails the build when
 * an import is not found.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../../dist/client/types.d.ts', import.meta.url)
let text = readFileSync(file, 'utf8')
const imports: Array<[peer: string, line: string]> = [
  ['ioredis', "import type { Cluster as IoredisCluster, Redis as IoredisRedis, RedisOptions as IoredisRedisOptions } from 'ioredis';"],
  ['@valkey/valkey-glide', "import type { GlideClient as GlideStandalone, GlideClusterClient as GlideCluster } from '@valkey/valkey-glide';"],
]
for (const [peer, line] of imports) {
  if (!text.includes(line)) throw new Error(`declarations: ${file.pathname} has no line ${line}`)
  const ignore = `// @ts-ignore: ${peer} is an optional peer dependency (see src/client/types.ts)`
  if (!text.includes(ignore)) text = text.replace(line, `${ignore}\n${line}`)
}
writeFileSync(file, text)
