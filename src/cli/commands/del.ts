/** `del`: remove one record, or with --all every record matching a pattern. */
import type { Command } from 'commander'
import type { Key } from '../../index.js'
import { parseKey, parsePattern } from '../args.js'
import { out, bar, confirm } from '../format.js'
import { UsageError, action, hint } from '../run.js'

export function delCommand(cli: Command): void {
  cli
    .command('del')
    .description('remove one record, or with --all every record matching a pattern')
    .argument('<parts...>', 'the key (with --all: the pattern)')
    .option('--all', 'the arguments are a pattern')
    .option('--yes', 'do not ask for confirmation')
    .action(
      action(cli, async (cache, options, parts: string[], local: { all?: boolean; yes?: boolean }) => {
        if (!local.all) {
          const removed = await cache.delete(parseKey(parts))
          out(options.json ? JSON.stringify({ removed: removed ? 1 : 0 }) : removed ? 'removed 1 record' : '(no such record)')
          if (!removed) await hint(cache)
          return
        }
        const pattern = parsePattern(parts)
        const total = await cache.count(pattern)
        if (!local.yes) {
          if (!process.stdin.isTTY) throw new UsageError(`del --all would remove ${total} records: pass --yes to confirm when not on a terminal`)
          if (!(await confirm(`Remove ${total} records matching ${parts.join(' ')}? [y/N] `))) {
            out('nothing removed')
            return
          }
        }
        const progress = bar('removing')
        progress?.start(total, 0)
        let removed = 0
        let batch: Key[] = []
        const flush = async () => {
          removed += await cache.deleteMany(batch)
          progress?.update(Math.min(removed, total))
          batch = []
        }
        for await (const [key] of cache.iterate(pattern, { values: false })) {
          batch.push(key)
          if (batch.length === 500) await flush()
        }
        if (batch.length > 0) await flush()
        progress?.stop()
        out(options.json ? JSON.stringify({ removed }) : `removed ${removed} record${removed === 1 ? '' : 's'}`)
        if (removed === 0) await hint(cache)
      }),
    )
}
