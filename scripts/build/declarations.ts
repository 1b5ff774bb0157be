/**
 * After tsc: the declarations of the optional ioredis types (dist/client/types.d.ts) keep the
 * `@ts-ignore` their source has above the `import type ... from 'ioredis'` (tsc
 * drops it), so that a project without ioredis compiles with `skipLibCheck: false`; the type
 * is then `never` (src/client/types.ts). Fails the build when the import is not found.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../../dist/client/types.d.ts', import.meta.url)
const text = readFileSync(file, 'utf8')
const line = "import type { Cluster as IoredisCluster, Redis as IoredisRedis, RedisOptions as IoredisRedisOptions } from 'ioredis';"
if (!text.includes(line)) throw new Error(`declarations: ${file.pathname} has no line ${line}`)
const ignore = '// @ts-ignore: ioredis is an optional peer dependency (see src/client/types.ts)'
if (!text.includes(ignore)) writeFileSync(file, text.replace(line, `${ignore}\n${line}`))
