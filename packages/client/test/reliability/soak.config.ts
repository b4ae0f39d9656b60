import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { browserConditions, nodeConditions } from '../../../../conditions.mjs'

// The soak run is not part of `pnpm test`: it has its own config, used by `pnpm test:soak`.

export default defineConfig({
  resolve: { conditions: browserConditions },
  ssr: { resolve: { conditions: nodeConditions } },
  test: {
    name: 'soak',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/reliability/soak.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
})
