/** `ttl`: time to live of one record. */
import type { Command } from 'commander'
import { parseKey } from '../args.js'
import { out, showTtl, ttlJson } from '../format.js'
import { action, hint } from '../run.js'

export function ttlCommand(cli: Command): void {
  cli
    .command('ttl')
    .description('time to live of one record')
    .argument('<parts...>', 'the key')
    .action(
      action(cli, async (cache, options, parts: string[]) => {
        const ttl = await cache.ttl(parseKey(parts))
        out(options.json ? JSON.stringify({ ttl: ttlJson(ttl) }) : ttl === undefined ? '(no such record)' : ttl === Infinity ? 'never expires' : `${ttl} ms (${showTtl(ttl)})`)
        if (ttl === undefined) await hint(cache)
        return ttl === undefined ? 1 : 0
      }),
    )
}
