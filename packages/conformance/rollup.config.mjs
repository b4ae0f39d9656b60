import { packageConfig } from '../../rollup.shared.mjs'

export default packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts' }, { banner: { cli: '#!/usr/bin/env node' } })
