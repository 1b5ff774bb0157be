/**
 * npx tsx scripts/bench/floors.ts [--rounds N]: only the write scripts against their floors
 * (workloads/floors.ts), on an embedded redis-server, printed as a table: for working on a
 * script without running the whole benchmark.
 */
import { closeAll, results } from './harness.js'
import { floorsWorkload } from './workloads/floors.js'

await floorsWorkload()
console.log('| workload | ours (µs) | floor (µs) | floor / ours |')
console.log('|---|---:|---:|---:|')
for (const [name, figures] of Object.entries(results)) {
  const ours = figures.ours?.median ?? Number.NaN
  const floor = figures.floor?.median ?? Number.NaN
  console.log(`| ${name} | ${ours.toFixed(2)} | ${floor.toFixed(2)} | ${(floor / ours).toFixed(2)} |`)
}
await closeAll()
