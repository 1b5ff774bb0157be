/**
 * The wildcards of patterns. They are registered symbols, so two copies of the library
 * loaded in one process agree on them.
 */

/** Matches any one key part, at any position of a pattern. `ANY` alone is the same as `[ANY]`. */
export const ANY: unique symbol = Symbol.for('redis-prefix-cache.ANY')
/** Last element of a pattern only: matches one or more further parts, however deep. */
export const REST: unique symbol = Symbol.for('redis-prefix-cache.REST')

export type Any = typeof ANY
export type Rest = typeof REST
