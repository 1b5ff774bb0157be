// vitest runs unstorage's own driver suite (its testDriver uses vitest's API) against the
// driver. Every other test of the driver runs under uvu (unstorage.test.ts).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/unstorage/*.vitest.ts'],
    root: new URL('../..', import.meta.url).pathname,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
