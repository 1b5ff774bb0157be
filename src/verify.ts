/**
 * verify(): checks that a namespace's values and indexes agree, and optionally repairs them.
 * The one path that walks the keyspace: SCAN with MATCH on the namespace's own hash tags,
 * page by page (on every master of a cluster); the checks and repairs themselves are
 * scripts, atomic per record (lua/verifyValues.lua, lua/verifyIndex.lua).
 */
import type { BucketLayout } from './buckets.js'
import type { Key } from './keys.js'
import { baseOfKey, kindOfKey } from './layout.js'
import { decodeParts, keyFromParts } from './keys.js'
import { type EvictionState, evictionWarning } from './eviction.js'
import { LIMITS } from './limits.js'
import { checkBoolean, checkCount, checkOptions } from './checks.js'
import { DEFAULTS } from './defaults.js'
import * as commands from './commands.js'
import type { Executor } from './executor.js'
import type { Runner } from './script-call.js'
import type { RedisClient } from './client/client.js'

export interface VerifyOptions {
  /** Fix what is found: remove index entries whose value is gone, add missing ones, correct index expiries. */
  repair?: boolean
  /** Keys per SCAN page and members per index page. Default 500. */
  count?: number
  /** Called after each SCAN page with the number of keys checked so far (for a progress bar). */
  onProgress?: (keysChecked: number) => void
}

/** How verify ran: the options above, plus what the store passes in. */
interface VerifyRun extends VerifyOptions {
  /** A record missing from an index counts as gone (a server that evicts): repair removes it rather than adding it back. */
  checked?: boolean
}

export interface VerifyReport {
  /** Keys of the namespace that were looked at: values and indexes. */
  keysChecked: number
  /** Index entries of live records whose value is gone. */
  orphanEntries: Array<{ index: string; member: string; key: Key | undefined }>
  /** Live values that an index of one of their prefixes does not list. */
  missingEntries: Array<{ valueKey: string; index: string; key: Key | undefined }>
  /** Indexes that do not expire exactly when their longest-lived member does (earlier, later, or never while it does). */
  indexExpiry: Array<{ index: string; expiresAt: number; longestLived: number }>
  /** Whether what was found has been repaired. */
  repaired: boolean
  /** Nothing found. */
  ok: boolean
  /**
   * The store's eviction mode, the server's maxmemory-policy (undefined when it could not be
   * read, or was not asked), and whether reads check every index of a record.
   */
  eviction: { mode: 'detect' | 'checked' | 'none'; policy: string | undefined; checked: boolean }
  /** What an operator should know, such as a maxmemory policy that can evict records. */
  warnings: string[]
}

function keyOf(base: string, valueKey: string): Key | undefined {
  try {
    return keyFromParts(decodeParts(valueKey.slice(base.length).split(':')))
  } catch {
    return undefined
  }
}

type Findings = Omit<VerifyReport, 'eviction' | 'warnings'>

/** verify()'s options, checked before anything is sent. */
export function checkVerifyOptions(options: VerifyOptions): VerifyRun {
  checkOptions(options, ['repair', 'count', 'onProgress'])
  const repair = checkBoolean(options.repair, 'options.repair') === true
  const count = checkCount(options.count ?? DEFAULTS.bulkCount, 'options.count')
  const { onProgress } = options
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function')
  return { repair, count, onProgress }
}

/** The findings with what the store knows of its server's eviction policy (read afresh for this verify). */
export function verifyReport(findings: Findings, eviction: EvictionState, namespace: string, checked: boolean): VerifyReport {
  const { mode, policy } = eviction
  const warning = mode === 'detect' && policy ? evictionWarning(policy, namespace) : undefined
  return { ...findings, eviction: { mode, policy: mode === 'detect' ? policy?.policy : undefined, checked }, warnings: warning ? [warning] : [] }
}

/**
 * verify() of a store: the eviction policy read afresh (verify is where an operator looks for
 * what is wrong), then the walk as one call of the store with no overall timeout (as long as
 * the namespace is large), and its report.
 */
export async function verifyStore(client: RedisClient, executor: Executor, layout: BucketLayout, namespace: string, options: VerifyOptions): Promise<VerifyReport> {
  const run = checkVerifyOptions(options)
  executor.eviction.forget()
  const checked = await executor.checked('verify', undefined)
  const findings = await executor.calls.call('verify', undefined, () => verifyNamespace(client, executor, layout, { ...run, checked }), Infinity)
  return verifyReport(findings, executor.eviction, namespace, checked)
}

/**
 * Checks the namespace; with `repair`, and only when something was found, walks it again
 * repairing. The report is the checking walk's: the same damage reports the same findings
 * with or without repair (a repair of one record, made during the walk that finds it,
 * would hide its other entries from the pages after it).
 */
export async function verifyNamespace(client: RedisClient, runner: Runner, layout: BucketLayout, options: VerifyRun = {}): Promise<Findings> {
  const findings = await walk(client, runner, layout, { ...options, repair: false })
  if (options.repair === true && !findings.ok) await walk(client, runner, layout, { ...options, repair: true, onProgress: undefined })
  return { ...findings, repaired: options.repair === true }
}

async function walk(client: RedisClient, runner: Runner, layout: BucketLayout, options: VerifyRun): Promise<Findings> {
  const repair = options.repair === true
  const count = Math.min(options.count ?? 500, LIMITS.pageRecords)
  const report: Findings = { keysChecked: 0, orphanEntries: [], missingEntries: [], indexExpiry: [], repaired: repair, ok: true }
  for (const node of client.masters()) {
    let cursor = '0'
    do {
      const [next, keys] = (await node.command('SCAN', cursor, 'MATCH', layout.match, 'COUNT', count)) as [string, string[]]
      cursor = next
      report.keysChecked += keys.length
      // Values: one script call per bucket (each bucket is one hash slot); indexes one by one.
      const valuesByBase = new Map<string, string[]>()
      const indexes: string[] = []
      for (const key of keys) {
        const kind = kindOfKey(key)
        if (kind === 'set') continue // an integration's set: not a record, not an index (layout.ts)
        if (kind === 'index') {
          indexes.push(key)
          continue
        }
        const base = baseOfKey(key)
        const values = valuesByBase.get(base)
        if (values) values.push(key)
        else valuesByBase.set(base, [key])
      }
      for (const [base, values] of valuesByBase) {
        const missing = await runner.run(commands.verifyValues(base, values, repair, options.checked === true))
        for (let i = 0; i < missing.length; i += 2) {
          const valueKey = missing[i] as string
          report.missingEntries.push({ valueKey, index: missing[i + 1] as string, key: keyOf(base, valueKey) })
        }
      }
      for (const index of indexes) await verifyIndex(runner, baseOfKey(index), index, count, repair, report)
      options.onProgress?.(report.keysChecked)
    } while (cursor !== '0')
  }
  report.ok = report.orphanEntries.length === 0 && report.missingEntries.length === 0 && report.indexExpiry.length === 0
  return report
}

async function verifyIndex(runner: Runner, base: string, index: string, count: number, repair: boolean, report: Findings): Promise<void> {
  const prefix = index.slice(0, -1)
  let cursor = '0'
  do {
    const [next, expiry, ...orphans] = await runner.run(commands.verifyIndex(base, index, cursor, count, repair))
    cursor = next as string
    if (expiry) {
      const [, expiresAt, , longest] = expiry.split(':')
      report.indexExpiry.push({ index, expiresAt: Number(expiresAt), longestLived: longest === 'inf' ? Infinity : Number(longest) })
    }
    for (const member of orphans) report.orphanEntries.push({ index, member, key: keyOf(base, prefix + member) })
  } while (cursor !== '0')
}
