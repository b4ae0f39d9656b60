// Shared rollup setup for every package: ESM + CJS + .d.ts per entry, dependencies left external.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'
import { luaText } from './luaText.mjs'

/**
 * Private workspace packages that are never published: each package that imports one carries its
 * own copy, built from the package's `dist` (so `pnpm -r build` builds them first).
 */
const INLINED = {
  '@lifeline/protocol': fileURLToPath(new URL('packages/protocol/', import.meta.url)),
}
/** The inlined package an import names, and the file after the name (`redis/publish.lua`, '' for the entry). */
function inlinedImport(id) {
  const name = Object.keys(INLINED).find((name) => id === name || id.startsWith(`${name}/`))
  return name && { name, file: id.slice(name.length + 1) }
}
const external = (id) => !id.startsWith('.') && !path.isAbsolute(id) && !inlinedImport(id)
/**
 * Resolves the entry of an inlined package to its build (`extension`: `.js`, or `.d.ts` for the
 * types), and any other file it exports as is (the Redis scripts, `.lua`) to that file.
 * @param {string} extension
 */
const inline = (extension) => ({
  name: 'lifeline-inline',
  resolveId(id) {
    const found = inlinedImport(id)
    return found ? INLINED[found.name] + (found.file || `dist/index${extension}`) : null
  },
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
      plugins: [cleanDist, inline('.js'), luaText(), typescript({ tsconfig: './tsconfig.build.json' })],
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
