/** How a figure is measured: concurrent callers for a while, medians over rounds. No side effects (compare.ts imports it too). */

/** Concurrent callers of every throughput workload. */
export const CALLERS = 64

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number
}
export interface Figure {
  median: number
  min: number
  max: number
  rounds: number[]
}
export const figure = (xs: number[]): Figure => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs })

/** Runs `op` from `callers` concurrent loops for `ms`; answers operations per second. */
export async function throughput(ms: number, callers: number, op: (caller: number, i: number) => Promise<unknown>): Promise<number> {
  let done = 0
  const until = performance.now() + ms
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; performance.now() < until; i++) {
        await op(caller, i)
        done++
      }
    }),
  )
  return done / ((performance.now() - t0) / 1000)
}

export const random = (n: number) => Math.floor(Math.random() * n)
export const sid = () => Math.random().toString(36).slice(2, 14)

/**
 * Each contender's rate in every round, for `ms` with CALLERS callers each, order reversing
 * from round to round (A B, B A, ...) so that drift on a shared machine hurts both alike.
 */
export async function alternateBuilds(ops: Array<() => Promise<unknown>>, rounds: number, ms: number): Promise<number[][]> {
  const rates = ops.map(() => [] as number[])
  for (const op of ops) await throughput(ms / 4, CALLERS, op) // warm-up, unrecorded
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ops.map((_, i) => i) : ops.map((_, i) => ops.length - 1 - i)
    for (const i of order) rates[i]?.push(await throughput(ms, CALLERS, ops[i] as () => Promise<unknown>))
  }
  return rates
}
