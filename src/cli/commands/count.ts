/** `count`: how many live records match a pattern. */
import type { Command } from 'commander'
import { parsePattern } from '../args.js'
import { out } from '../format.js'
import { action, hint } from '../run.js'

export function countCommand(cli: Command): void {
  cli
    .command('count')
    .description('how many live records match a pattern')
    .argument('<parts...>', 'the pattern')
    .action(
      action(cli, async (cache, options, parts: string[]) => {
        const n = await cache.count(parsePattern(parts))
        out(options.json ? JSON.stringify({ count: n }) : String(n))
        if (n === 0) await hint(cache)
      }),
    )
}
