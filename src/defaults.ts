/**
 * The defaults of the store's options, and the page sizes of its listings. A leaf of the
 * core: the client seam takes its default URL from here, listing and verify their page sizes.
 */
export const DEFAULTS = {
  redis: 'redis://127.0.0.1:6379',
  namespace: 'cache',
  writes: 'sync' as const,
  /** Page size of iterate(). */
  iterateCount: 100,
  /** Page size of all(), deleteAll() and clear(). */
  bulkCount: 500,
  /** ms a call waits for Redis. */
  timeout: 5000,
  eviction: 'detect' as const,
  /** Async writes waiting for Redis at once. */
  maxPendingWrites: 10_000,
} as const
