import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The soak run is not part of `pnpm test`: it has its own config, used by `pnpm test:soak`.
const conditions = ['@lifeline/source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'soak',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/reliability/soak.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
})
