/**
 * The workloads' names, as they appear in the report's table and in results.json: every
 * workload records under one of these, and the report's ratios read them back.
 */
export const PUT_1 = 'put, 1 caller (ops/s)'
export const PUT_64 = 'put, 64 callers (ops/s)'
export const PUT_64_PIPELINED = 'put, 64 connections x 16 pipelined (ops/s)'
export const GET_64 = 'get, 64 callers (ops/s)'
export const GET_64_CHECKED = 'get, 64 callers, evicting server: checked reads (ops/s)'
export const SET_64 = 'SET, 64 callers (ops/s)'
export const SIGN_IN = 'sign-in flow, 64 callers (flows/s)'
export const SIGN_IN_CHECKED = 'sign-in flow, 64 callers, evicting server: checked reads (flows/s)'
export const clusterReads = (from: 'masters' | 'replicas') =>
  `a user's sessions listed and read, 3+3 cluster, 64 buckets, reads from the ${from}${from === 'replicas' ? ' (scaleReads)' : ''} (reads/s)`
export const signInCluster = (buckets: number) => `sign-in flow on a 3-master cluster, ${buckets} bucket${buckets > 1 ? 's' : ''} (flows/s)`
export const SESSION_REQUESTS = 'express-session requests, 64 clients (requests/s)'
export const sessionMemory = (size: number) => `Redis memory per session at ${size} sessions (bytes)`
export const listSessions = (size: number) => `list one user's sessions among ${size} (ms)`
export const allP50 = (level: number) => `all() p50 at ${level} records (ms)`
export const allP99 = (level: number) => `all() p99 at ${level} records (ms)`
export const AUTH_GET_SESSION = 'better-auth getSession, 64 callers (ops/s)'
export const AUTH_SIGN_IN = 'better-auth signInEmail, 64 callers (ops/s)'
export const authListSessions = (n: number) => `better-auth listSessions of a user with ${n} sessions (ms)`
export const VALKEY_PUT = 'put, 64 callers, node-redis 5: Redis and Valkey (ops/s)'
export const VALKEY_GET = 'get, 64 callers, node-redis 5: Redis and Valkey (ops/s)'
export const KEYV_GET = 'Keyv get, 64 callers (ops/s)'
export const KEYV_SET = 'Keyv set, 64 callers (ops/s)'
export const keyvClear = (others: number) => `Keyv clear() of 10000 records beside ${others} other keys (ms)`
export const RATE_LIMITED = 'express-rate-limit route, 64 clients (requests/s)'
export const unstorageGetKeys = (others: number) => `unstorage getKeys(base) of 100 keys beside ${others} other keys (ms)`
export const unstorageClear = (others: number) => `unstorage clear(base) of 100 keys beside ${others} other keys (ms)`

/** The profiled runs' names (profile.ts). */
export const PROFILE = {
  put: 'put',
  get: 'get',
  signIn: 'sign-in flow',
  keyvGet: 'Keyv get',
  keyvSet: 'Keyv set',
  sessionRequest: 'express-session request',
  clientGet: 'plain GET',
  /** store.get and a bare GET of the same records on the same node-redis 5 client, alternating. */
  getBeside: 'get beside the bare client',
  /** The same on one Valkey GLIDE client. */
  getBesideGlide: 'get beside the bare GLIDE client',
} as const
