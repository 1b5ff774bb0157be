/**
 * Tracing: every call of a store is published on a Node `diagnostics_channel`
 * TracingChannel named `redis-prefix-cache:<operation>` (`redis-prefix-cache:put`,
 * `redis-prefix-cache:session.get`, ...), so that OpenTelemetry, an APM or a plain
 * subscriber can time and trace calls. The channels' `start`, `end`, `asyncStart`,
 * `asyncEnd` and `error` events carry one context object per call (CallTrace). Nothing
 * is built when nobody subscribes: the check is one property read per call.
 */
import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'
import { type Operation, recordsOf } from './operations.js'
import type { WriteMode } from './write-mode.js'

/** What each event of a call's trace carries (the same object from start to end). */
export interface CallTrace {
  /** The store's namespace. */
  readonly namespace: string
  readonly operation: Operation
  /** The key or pattern of the call, when it has one. */
  readonly key: unknown
  /** How many records the call names (1 for a single-record call, the list's length for putMany, getMany and deleteMany); undefined for a pattern. */
  readonly records: number | undefined
  /** 'async': an async-mode write, traced from put() until Redis answers (put() itself resolved at once). */
  readonly writes: WriteMode
  /** Whether the command was handed to the connection (false until then; stays false for a call that failed before sending). */
  sent: boolean
  /** Set by diagnostics_channel on the 'error' event: the CacheOperationError. */
  error?: unknown
  /** Set by diagnostics_channel on 'asyncEnd' of a call that succeeded: its reply as the store read it. */
  result?: unknown
}

const channels = new Map<Operation, TracingChannel<CallTrace, CallTrace>>()

/** The channel of an operation: `redis-prefix-cache:<operation>`. */
export function channelOf(operation: Operation): TracingChannel<CallTrace, CallTrace> {
  let channel = channels.get(operation)
  if (!channel) channels.set(operation, (channel = tracingChannel<CallTrace, CallTrace>(`redis-prefix-cache:${operation}`)))
  return channel
}

/** A call's trace context. */
export function traceOf(namespace: string, operation: Operation, key: unknown, records: number | undefined, writes: WriteMode): CallTrace {
  return { namespace, operation, key, records: records ?? recordsOf(operation), writes, sent: false }
}
