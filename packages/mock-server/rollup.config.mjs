import { packageConfig } from '../../rollup.shared.mjs'

export default packageConfig(
  { index: 'src/index.ts', engine: 'src/engine/index.ts', msw: 'src/msw/index.ts', redis: 'src/redis/redisBroker.ts', cli: 'src/cli.ts' },
  { banner: { cli: '#!/usr/bin/env node' } },
)
