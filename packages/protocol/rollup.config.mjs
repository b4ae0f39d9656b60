import { packageConfig } from '../../rollup.shared.mjs'

// ESM only: the packages that inline this read it at build time.
export default packageConfig({ index: 'src/index.ts' }, { cjs: false })
