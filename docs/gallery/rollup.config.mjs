// Builds the gallery with rollup:
// - dist/site: the page (index.html, gallery.css, gallery.js minified: React, the stories and the Lifeline
//   sources, read through the `@lifeline/source` condition so no package build is needed first);
// - dist/serve.js: the Node server behind `pnpm start` (dependencies stay external, so it runs on
//   the built @lifeline/mock-server).
// TypeScript is only stripped, by esbuild's transform API: types are checked by `tsc --noEmit`
// (the `typecheck` script), and @rollup/plugin-typescript would type-check the whole program again
// on every build, which is slow here and refuses sources outside its tsconfig's root.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import commonjs from '@rollup/plugin-commonjs'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import replace from '@rollup/plugin-replace'
import { transform } from 'esbuild'
import { SOURCE_CONDITION } from '../../conditions.mjs'

const extensions = ['.ts', '.tsx', '.mjs', '.js', '.json']

/** Strips types from .ts/.tsx (JSX with React's automatic runtime); leaves everything else alone. */
function esbuildTransform(target) {
  return {
    name: 'esbuild-transform',
    async transform(code, id) {
      if (!/\.tsx?$/.test(id)) return null
      const result = await transform(code, { loader: id.endsWith('.tsx') ? 'tsx' : 'ts', jsx: 'automatic', target, sourcemap: true, sourcefile: id })
      return { code: result.code, map: result.map }
    },
  }
}

/** Minifies each chunk with esbuild (the page loads React's production build; keep it small). */
function esbuildMinify(target) {
  return {
    name: 'esbuild-minify',
    async renderChunk(code) {
      const result = await transform(code, { minify: true, target, sourcemap: true })
      return { code: result.code, map: result.map }
    },
  }
}

/** Copies static files into the output as assets. */
function copy(files) {
  return {
    name: 'copy',
    async generateBundle() {
      for (const [from, fileName] of Object.entries(files)) this.emitFile({ type: 'asset', fileName, source: await readFile(from) })
    },
  }
}

export default [
  {
    input: 'src/main.tsx',
    output: { dir: 'dist/site', format: 'es', entryFileNames: 'gallery.js', sourcemap: true },
    plugins: [
      replace({ preventAssignment: true, values: { 'process.env.NODE_ENV': JSON.stringify('production') } }),
      nodeResolve({ browser: true, extensions, dedupe: ['react', 'react-dom'], exportConditions: [SOURCE_CONDITION, 'browser', 'import', 'default'] }),
      commonjs(),
      esbuildTransform('es2022'),
      esbuildMinify('es2022'),
      copy({ 'src/index.html': 'index.html', 'src/gallery.css': 'gallery.css' }),
    ],
  },
  {
    input: 'src/server/serve.ts',
    output: { file: 'dist/serve.js', format: 'es' },
    external: (id) => !id.startsWith('.') && !path.isAbsolute(id),
    plugins: [nodeResolve({ extensions }), esbuildTransform('node20')],
  },
]
