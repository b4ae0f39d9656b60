// Shared rollup setup for every package: ESM + CJS + .d.ts per entry, dependencies left external.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'

/**
 * Private workspace packages that are never published: each package that imports one carries its
 * own copy, built from the package's `dist` (so `pnpm -r build` builds them first).
 */
const INLINED = {
  '@lifeline/protocol': fileURLToPath(new URL('packages/protocol/dist/index', import.meta.url)),
}
const external = (id) => !id.startsWith('.') && !path.isAbsolute(id) && !(id in INLINED)
/** @param {string} extension */
const inline = (extension) => ({
  name: 'lifeline-inline',
  resolveId: (id) => (id in INLINED ? INLINED[id] + extension : null),
})

/**
 * @param {Record<string, string>} entries output name → source file, e.g. `{ index: 'src/index.ts' }`
 * @param {{ cjs?: boolean, banner?: Record<string, string> }} [options]
 */
export function packageConfig(entries, { cjs = true, banner = {} } = {}) {
  // Chunk names carry a hash: without this, every rebuild would leave the old chunks in the tarball.
  const cleanDist = { name: 'lifeline-clean-dist', buildStart: () => rmSync('dist', { recursive: true, force: true }) }
  return [
    {
      input: entries,
      external,
      plugins: [cleanDist, inline('.js'), typescript({ tsconfig: './tsconfig.build.json' })],
      output: [
        { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '_[name]-[hash].js', banner: (c) => banner[c.name] ?? '' },
        ...(cjs ? [{ dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '_[name]-[hash].cjs', banner: (c) => banner[c.name] ?? '' }] : []),
      ],
    },
    {
      input: entries,
      external,
      plugins: [inline('.d.ts'), dts({ tsconfig: './tsconfig.build.json' })],
      output: [
        { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '_[name]-[hash].d.ts' },
        ...(cjs ? [{ dir: 'dist', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: '_[name]-[hash].d.cts' }] : []),
      ],
    },
  ]
}
