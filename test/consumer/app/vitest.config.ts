import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'samples/**/*.test.{ts,tsx}'],
    // Real sockets and the MSW engine on a shared, busy machine: generous, never a timing assertion.
    testTimeout: 60_000,
  },
})
