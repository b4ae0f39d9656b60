import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { browserConditions, nodeConditions } from '../../../../conditions.mjs'
import { luaText } from '../../../../luaText.mjs'

// The soak run is not part of `pnpm test`: it has its own config, used by `pnpm test:soak`.

export default defineConfig({
  // The Redis broker's scripts are .lua files, imported as text (as in the root vitest.config.ts).
  plugins: [luaText()],
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
