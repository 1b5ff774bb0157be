/** `stats`: records per prefix, never-expiring records, an expiry histogram, sampled memory (from the indexes, no SCAN). */
import type { Command } from 'commander'
import { namespaceStats } from '../../index.js'
import { out, jsonOf, table, bar } from '../format.js'
import { integer, action, hint } from '../run.js'

export function statsCommand(cli: Command): void {
  cli
    .command('stats')
    .description('records per prefix, never-expiring records, an expiry histogram, sampled memory (from the indexes, no SCAN)')
    .option('--depth <n>', 'prefix depth', integer('--depth'), 2)
    .option('--top <n>', 'prefixes per depth', integer('--top'), 10)
    .action(
      action(cli, async (cache, options, local: { depth: number; top: number }) => {
        const progress = bar('reading indexes')
        let started = false
        const stats = await namespaceStats(cache, {
          depth: local.depth,
          top: local.top,
          onProgress: (seen, total) => {
            if (!started) progress?.start(total, 0)
            started = true
            progress?.update(seen)
          },
        })
        progress?.stop()
        if (stats.records === 0) await hint(cache)
        if (options.json) {
          out(JSON.stringify(stats))
          return
        }
        out(
          table(
            ['records', 'never expire', 'bytes per record (sampled)', 'estimated bytes'],
            [[stats.records, stats.neverExpire, stats.memory.bytesPerRecord, stats.memory.estimatedBytes]],
          ),
        )
        out(
          table(
            ['expiring within', 'records'],
            stats.expiringWithin.map((h) => [h.within, h.records]),
          ),
        )
        for (const level of stats.prefixes) {
          out(
            table(
              [`prefix (depth ${level.depth}, ${level.distinct} in all)`, 'records'],
              level.top.map((p) => [p.prefix.map((part) => JSON.stringify(jsonOf(part))).join(' '), p.records]),
            ),
          )
        }
      }),
    )
}
