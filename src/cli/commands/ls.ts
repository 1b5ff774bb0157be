/** `ls`: list the records matching a pattern: key, ttl left, value size. */
import type { Command } from 'commander'
import { parsePattern } from '../args.js'
import { type Raw, out, decoded, jsonOf, argsOf, showKey, showTtl, ttlJson, short, table } from '../format.js'
import { integer, action, hint } from '../run.js'

export function lsCommand(cli: Command): void {
  cli
    .command('ls')
    .description('list the records matching a pattern: key, ttl left, value size')
    .argument('<parts...>', 'the pattern')
    .option('--values', 'show values')
    .option('--limit <n>', 'at most this many records', integer('--limit'))
    .action(
      action(cli, async (cache, options, parts: string[], local: { values?: boolean; limit?: number }) => {
        const rows: Array<Array<string | number>> = []
        let n = 0
        for await (const [key, value] of cache.iterate(parsePattern(parts))) {
          if (local.limit !== undefined && n >= local.limit) break
          n++
          const text = (value as Raw).text
          const ttl = await cache.ttl(key)
          if (options.json) {
            out(
              JSON.stringify({ key: jsonOf(key), args: argsOf(key), ttl: ttlJson(ttl), size: Buffer.byteLength(text), ...(local.values ? { value: jsonOf(decoded(text)) } : {}) }),
            )
          } else {
            rows.push([showKey(key), showTtl(ttl), Buffer.byteLength(text), ...(local.values ? [short(decoded(text))] : [])])
          }
        }
        if (!options.json) {
          out(table(['key', 'ttl', 'bytes', ...(local.values ? ['value'] : [])], rows))
          out(`${n} record${n === 1 ? '' : 's'}`)
        }
        if (n === 0) await hint(cache)
      }),
    )
}
