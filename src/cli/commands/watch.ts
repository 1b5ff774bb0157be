/** `watch`: a live view of the records matching a pattern, refreshed every second (JSON lines of changes when not on a terminal). */
import type { Command } from 'commander'
import { parsePattern } from '../args.js'
import { type Raw, tty, out, decoded, jsonOf, showKey, showTtl, short, table } from '../format.js'
import { integer, action } from '../run.js'

export function watchCommand(cli: Command): void {
  cli
    .command('watch')
    .description('a live view of the records matching a pattern, refreshed every second (JSON lines of changes when not on a terminal)')
    .argument('<parts...>', 'the pattern')
    .option('--interval <ms>', 'refresh interval', integer('--interval'), 1000)
    .option('--limit <n>', 'records shown at most', integer('--limit'), 1000)
    .action(
      action(cli, async (cache, options, parts: string[], local: { interval: number; limit: number }) => {
        const pattern = parsePattern(parts)
        const live = tty && !options.json
        let previous = new Map<string, string>()
        let stop = false
        const done = new Promise<void>((resolve) =>
          process.once('SIGINT', () => {
            stop = true
            resolve()
          }),
        )
        if (live && process.stdin.isTTY) {
          process.stdin.setRawMode(true)
          process.stdin.resume()
          process.stdin.on('data', (data) => {
            if (data.toString() === 'q' || data[0] === 3) process.emit('SIGINT')
          })
        }
        while (!stop) {
          const current = new Map<string, string>()
          const rows: Array<Array<string | number>> = []
          for await (const [key, value] of cache.iterate(pattern)) {
            if (current.size >= local.limit) break
            const id = JSON.stringify(jsonOf(key))
            const text = (value as Raw).text
            current.set(id, text)
            if (live) rows.push([showKey(key), showTtl(await cache.ttl(key)), short(decoded(text), 50)])
          }
          if (live) {
            process.stdout.write('\x1b[2J\x1b[H')
            out(`redis-prefix-cache watch ${parts.join(' ')}  ${current.size} record${current.size === 1 ? '' : 's'}  ${new Date().toISOString()}  (q to quit)`)
            out(table(['key', 'ttl', 'value'], rows))
          } else {
            const at = new Date().toISOString()
            for (const [id, text] of current) {
              const before = previous.get(id)
              if (before === undefined) out(JSON.stringify({ at, event: 'added', key: JSON.parse(id), value: jsonOf(decoded(text)) }))
              else if (before !== text) out(JSON.stringify({ at, event: 'changed', key: JSON.parse(id), value: jsonOf(decoded(text)) }))
            }
            for (const id of previous.keys()) if (!current.has(id)) out(JSON.stringify({ at, event: 'removed', key: JSON.parse(id) }))
          }
          previous = current
          await Promise.race([done, new Promise((resolve) => setTimeout(resolve, local.interval))])
        }
        if (live && process.stdin.isTTY) process.stdin.setRawMode(false)
        process.stdin.pause()
      }),
    )
}
