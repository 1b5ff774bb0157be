/**
 * npm run bench [-- --quick] [-- --records N] [-- --rounds N] [-- --out DIR] [-- --no-cluster]
 *
 * Measures the store against the seed's pipelined algorithm, SCAN-based listing, the
 * server's own ceiling (redis-benchmark) and the peers a user would pick instead
 * (connect-redis and @keyv/redis on node-redis 5), in one run on one redis-server,
 * contenders alternating round by round. Prints a table and writes bench/results.json and
 * bench/results.md. The harness is in bench/harness.ts, each workload in bench/workloads/,
 * the report in bench/report.ts; the method and the latest figures: bench/README.md.
 */
import { closeAll, log, quick, records, redisVersion, rounds, roundMs, url } from './bench/harness.js'
import { report } from './bench/report.js'
import { betterAuthWorkload } from './bench/workloads/better-auth.js'
import { clientsWorkload } from './bench/workloads/clients.js'
import { clusterWorkload, replicaReadsWorkload } from './bench/workloads/cluster.js'
import { getWorkload } from './bench/workloads/get.js'
import { rateLimitWorkload, unstorageWorkload } from './bench/workloads/integrations.js'
import { keyvWorkload } from './bench/workloads/keyv.js'
import { listingWorkload } from './bench/workloads/listing.js'
import { floorsWorkload } from './bench/workloads/floors.js'
import { putWorkload } from './bench/workloads/put.js'
import { valkeyWorkload } from './bench/workloads/valkey.js'
import { sessionsWorkload } from './bench/workloads/sessions.js'
import { signInWorkload } from './bench/workloads/sign-in.js'

log(`redis ${redisVersion} at ${url}; ${rounds} rounds of ${roundMs} ms; all() sizes up to ${records} records`)
await clientsWorkload()
await putWorkload()
await floorsWorkload()
await getWorkload()
await valkeyWorkload()
await signInWorkload()
// Sessions before the large namespaces are loaded: the per-request path is Node-bound and the
// noisiest workload here (a run at the end of the benchmark measured 0.83-0.86x where runs on
// their own measured 0.96-1.0x; with 3 million objects held on the heap a run on its own 0.81x).
const sessionSizes = quick ? [1_000, 2_000] : [10_000, 100_000]
await sessionsWorkload(sessionSizes)
await listingWorkload()
if (!process.argv.includes('--no-cluster')) {
  await clusterWorkload()
  await replicaReadsWorkload()
}
await keyvWorkload()
await betterAuthWorkload()
await rateLimitWorkload()
await unstorageWorkload()
report(sessionSizes)
await closeAll()
