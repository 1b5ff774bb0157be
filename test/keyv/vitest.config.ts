// vitest runs Keyv's own compliance suite here (@keyv/test-suite takes
// vitest's test API as an argument), and unstorage's driver suite (test/unstorage/). Every other test runs under uvu.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/keyv/*.vitest.ts'],
    root: new URL('../..', import.meta.url).pathname,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
