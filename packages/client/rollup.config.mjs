import { packageConfig } from '../../rollup.shared.mjs'

export default packageConfig({ index: 'src/index.ts', tabs: 'src/tabs/index.ts' })
