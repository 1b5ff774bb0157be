// vitest runs one file of this project: Keyv's own compliance suite (@keyv/test-suite takes
// vitest's test API as an argument). Every other test runs under uvu.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/keyv/*.vitest.ts'],
    root: new URL('../..', import.meta.url).pathname,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
