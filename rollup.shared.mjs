// Shared rollup setup for every package: ESM + CJS + .d.ts per entry, dependencies left external.
import path from 'node:path'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'

const external = (id) => !id.startsWith('.') && !path.isAbsolute(id)

/**
 * @param {Record<string, string>} entries output name → source file, e.g. `{ index: 'src/index.ts' }`
 * @param {{ cjs?: boolean, banner?: Record<string, string> }} [options]
 */
export function packageConfig(entries, { cjs = true, banner = {} } = {}) {
  return [
    {
      input: entries,
      external,
      plugins: [typescript({ tsconfig: './tsconfig.build.json' })],
      output: [
        { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '_[name]-[hash].js', banner: (c) => banner[c.name] ?? '' },
        ...(cjs ? [{ dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '_[name]-[hash].cjs', banner: (c) => banner[c.name] ?? '' }] : []),
      ],
    },
    {
      input: entries,
      external,
      plugins: [dts({ tsconfig: './tsconfig.build.json' })],
      output: [
        { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '_[name]-[hash].d.ts' },
        ...(cjs ? [{ dir: 'dist', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: '_[name]-[hash].d.cts' }] : []),
      ],
    },
  ]
}
