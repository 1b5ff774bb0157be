/**
 * all() latency and memory per record as the namespace grows (records/100, records/10,
 * records): ours against the seed and SCAN-based listing, each loaded with the same records.
 */
import type { Key } from '../../../src/index.js'
import { ANY } from '../built.js'
import { admin, alternate, figure, flushAll, latencySamples, log, median, ours, percentile, random, record, records, results, scan, seed, VALUE } from '../harness.js'
import { allP50, allP99 } from '../names.js'

const TARGETS = 50 // users holding exactly 10 sessions each: the prefixes all() is timed on
const targetRecords: Array<[Key, unknown]> = []
for (let u = 0; u < TARGETS; u++) for (let s = 0; s < 10; s++) targetRecords.push([['target', u, 'session', `s${s}`], VALUE])
export const levels = [Math.round(records / 100), Math.round(records / 10), records].filter((n) => n >= targetRecords.length)
export const memory: Record<string, Partial<Record<'ours' | 'seed' | 'scan', number>>> = {}

/** used_memory once it has settled (the keyspace's hash tables rehash in the background after growing). */
async function usedMemory(): Promise<number> {
  const read = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  let last = await read()
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const now = await read()
    if (Math.abs(now - last) <= last * 0.0005) return now
    last = now
  }
  return last
}

/** Records number `from` to `to` of the filler: sign-ins of other users, 3 records each. */
function filler(from: number, to: number): Array<[Key, unknown]> {
  const out: Array<[Key, unknown]> = []
  for (let i = from; i < to; i++) {
    const signIn = Math.floor(i / 3)
    const user = Math.floor(signIn / 2) // two sessions a user
    const session = `f${signIn}`
    out.push(i % 3 === 0 ? [session, { user: ['user', user], ...VALUE }] : i % 3 === 1 ? [['user', user], VALUE] : [['user', user, 'session', session], VALUE])
  }
  return out
}

export async function listingWorkload(): Promise<void> {
  await flushAll()
  let loaded = 0
  for (const level of levels) {
    const from = loaded === 0 ? 0 : loaded
    const batches: Array<Array<[Key, unknown]>> = []
    const fillerCount = level - targetRecords.length
    const fillerFrom = loaded === 0 ? 0 : loaded - targetRecords.length
    if (loaded === 0) batches.push(targetRecords)
    for (let i = fillerFrom; i < fillerCount; i += 1000) batches.push(filler(i, Math.min(fillerCount, i + 1000)))
    const added = level - from
    log(`loading ${added} records into each contender (namespace now ${level} records)`)
    const loaders: Array<['ours' | 'seed' | 'scan', (batch: Array<[Key, unknown]>) => Promise<void>]> = [
      ['ours', (batch) => ours.putMany(batch)],
      ['seed', (batch) => seed.putMany(batch as never)],
      ['scan', (batch) => scan.putMany(batch as never)],
    ]
    for (const [name, load] of loaders) {
      const before = await usedMemory()
      const t0 = performance.now()
      // A few loaders at once, as an application would write.
      let next = 0
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < batches.length) await load(batches[next++] as Array<[Key, unknown]>)
        }),
      )
      const seconds = (performance.now() - t0) / 1000
      ;(memory[`${level}`] ??= {})[name] = ((memory[`${level}`]?.[name] ?? 0) * from + ((await usedMemory()) - before)) / level
      log(`  ${name}: ${(added / seconds).toFixed(0)} records/s`)
    }
    loaded = level

    const samples: Record<'ours' | 'seed' | 'scan', number[]> = { ours: [], seed: [], scan: [] }
    const scanSamples = level >= 500_000 ? 2 : level >= 50_000 ? 4 : 10
    const time = async (contender: 'ours' | 'seed' | 'scan', count: number, call: (user: number) => Promise<unknown[]>) => {
      const perRound: number[] = []
      for (let i = 0; i < count; i++) {
        const user = random(TARGETS)
        const t0 = performance.now()
        const found = await call(user)
        const ms = performance.now() - t0
        if (found.length !== 10) throw new Error(`${contender} all() found ${found.length} sessions, not 10`)
        perRound.push(ms)
        samples[contender].push(ms)
      }
      record(allP50(level), contender, median(perRound))
    }
    await alternate([
      ['ours', () => time('ours', latencySamples, (u) => ours.all(['target', u, 'session', ANY]))],
      ['seed', () => time('seed', latencySamples, (u) => seed.all(['target', u, 'session', ANY]))],
      ['scan', () => time('scan', scanSamples, (u) => scan.all(['target', u, 'session', ANY]))],
    ])
    for (const contender of ['ours', 'seed', 'scan'] as const) {
      const p99 = percentile(samples[contender], 99)
      ;(results[allP99(level)] ??= {})[contender] = figure([p99])
    }
  }
}
