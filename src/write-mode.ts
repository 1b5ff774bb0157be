/** How a store's writes are made: awaited ('sync'), or started and answered at once ('async': calls.ts). */
export type WriteMode = 'sync' | 'async'
