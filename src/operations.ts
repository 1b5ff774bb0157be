/**
 * The names calls go by in errors (`error.operation`) and traces (the channel
 * `redis-prefix-cache:<operation>`): the core's, listed here, and those each integration
 * registers (registerOperations) and adds to the Operation type (the IntegrationOperations
 * interface, by declaration merging: `declare module '../operations.js'`).
 */

/** The core's operations that name one record (a trace's `records` is 1); the others name many, or a pattern. */
const CORE_SINGLE = ['put', 'add', 'increment', 'get', 'getAndTouch', 'has', 'delete', 'take', 'touch', 'ttl'] as const
const CORE_OTHERS = ['putMany', 'getMany', 'deleteMany', 'all', 'keys', 'count', 'iterate', 'deleteAll', 'clear', 'verify', 'watch', 'stats'] as const

/** The operations of RedisCache (and namespaceStats: 'stats'). */
export type CoreOperation = (typeof CORE_SINGLE)[number] | (typeof CORE_OTHERS)[number]

/** The integrations' operations, by name: each integration merges its own in (its module declares them). */
// biome-ignore lint/suspicious/noEmptyInterface: integrations merge their operations into it
export interface IntegrationOperations {}

/** What a call is named in errors and traces: the core's operations, and those of the integrations imported. */
export type Operation = CoreOperation | Extract<keyof IntegrationOperations, string>

const operations = new Map<string, { readonly single: boolean }>([
  ...CORE_SINGLE.map((name) => [name, { single: true }] as const),
  ...CORE_OTHERS.map((name) => [name, { single: false }] as const),
])

/**
 * Registers an integration's operations: for each name, whether it names one record. A name
 * is one operation: registering it again the same way is allowed (two copies of a module),
 * otherwise an error.
 */
export function registerOperations<N extends string>(names: Readonly<Record<N, { readonly single: boolean }>>): void {
  for (const [name, { single }] of Object.entries(names) as Array<[string, { single: boolean }]>) {
    const known = operations.get(name)
    if (known !== undefined && known.single !== single) throw new Error(`operation ${name} is registered twice, differently`)
    operations.set(name, { single })
  }
}

/** How many records a call of this operation names when it says nothing else: 1 for a single-record operation. */
export function recordsOf(operation: Operation): 1 | undefined {
  return operations.get(operation)?.single === true ? 1 : undefined
}

/** Whether an operation is known (the core's, or registered). */
export function isOperation(name: string): name is Operation {
  return operations.has(name)
}
