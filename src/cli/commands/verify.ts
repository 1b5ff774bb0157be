/** `verify`: check that values and indexes agree; --repair fixes what is found. */
import type { Command } from 'commander'
import { internals } from '../../internals.js'
import { out, table, bar } from '../format.js'
import { integer, action, hint } from '../run.js'

export function verifyCommand(cli: Command): void {
  cli
    .command('verify')
    .description('check that values and indexes agree; --repair fixes what is found')
    .option('--repair', 'repair what is found')
    .option('--count <n>', 'keys per SCAN page', integer('--count'), 500)
    .action(
      action(cli, async (cache, options, local: { repair?: boolean; count: number }) => {
        const progress = bar(local.repair ? 'verifying and repairing' : 'verifying')
        const nodes = cache[internals]().client.masters()
        const keys = progress ? await Promise.all(nodes.map(async (node) => (await node.command('DBSIZE')) as number)) : []
        progress?.start(
          keys.reduce((a, b) => a + b, 0),
          0,
        )
        const report = await cache.verify({ repair: local.repair === true, count: local.count, onProgress: (n) => progress?.update(n) })
        progress?.update(report.keysChecked)
        progress?.stop()
        if (options.json) out(JSON.stringify(report))
        else {
          out(
            table(
              ['keys checked', 'orphan index entries', 'missing index entries', 'index expiries off', 'repaired'],
              [[report.keysChecked, report.orphanEntries.length, report.missingEntries.length, report.indexExpiry.length, report.repaired && !report.ok ? 'yes' : 'no']],
            ),
          )
          for (const warning of report.warnings) out(`warning: ${warning}`)
          out(report.ok ? 'ok: values and indexes agree' : report.repaired ? 'problems found and repaired' : 'problems found: run verify --repair to fix them')
        }
        if (report.keysChecked === 0) await hint(cache)
        return report.ok || report.repaired ? 0 : 1
      }),
    )
}
