/** `get`: the value of one record. */
import type { Command } from 'commander'
import { inspect } from 'node:util'
import { parseKey } from '../args.js'
import { type Raw, tty, out, decoded, jsonOf, ttlJson } from '../format.js'
import { action, hint } from '../run.js'

export function getCommand(cli: Command): void {
  cli
    .command('get')
    .description('the value of one record')
    .argument('<parts...>', 'the key')
    .action(
      action(cli, async (cache, options, parts: string[]) => {
        const key = parseKey(parts)
        const found = (await cache.get(key)) as Raw | undefined
        if (options.json) out(JSON.stringify(found === undefined ? null : { key: jsonOf(key), value: jsonOf(decoded(found.text)), ttl: ttlJson(await cache.ttl(key)) }))
        else out(found === undefined ? '(no such record)' : inspect(decoded(found.text), { depth: 8, colors: tty }))
        if (found === undefined) await hint(cache)
        return found === undefined ? 1 : 0
      }),
    )
}
