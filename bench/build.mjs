// Bundles the benchmark programs in src/ into .out/ with esbuild. Lifeline is bundled from its
// TypeScript sources (the `@lifeline/source` condition), so `pnpm bench` measures the working tree
// and needs no `pnpm build` first. Installed packages (ws, socket.io, ioredis, esbuild, and the
// browser drivers of @lifeline/testkit) stay external and load from node_modules, as their users
// run them.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const benchDir = dirname(fileURLToPath(import.meta.url))
const entryPoints = ['runBench', 'fanoutServer', 'fanoutClients', 'publisher'].map((name) => join(benchDir, 'src', `${name}.ts`))

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
const builtins = new Set(builtinModules)
/** Set on the nested resolve below, so the plugin does not answer its own question. */
const RESOLVING = Symbol('resolving')

/**
 * Bare imports installed in bench/ or the root stay external by name. One installed only for a
 * workspace package (playwright-core for @lifeline/testkit) stays external by its resolved path,
 * since Node would not find it by name from bench/.out. Lifeline's own packages are bundled.
 */
const benchExternals = {
  name: 'bench-externals',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async ({ path, importer, resolveDir, kind, pluginData }) => {
      if (pluginData === RESOLVING) return undefined
      if (path.startsWith('node:') || builtins.has(packageName(path))) return { external: true }
      if (path.startsWith('@lifeline/')) return undefined
      const installed = [benchDir, join(benchDir, '..')].some((dir) => existsSync(join(dir, 'node_modules', packageName(path))))
      if (installed) return { external: true }
      const resolved = await pluginBuild.resolve(path, { importer, resolveDir, kind, pluginData: RESOLVING })
      if (resolved.errors.length || !resolved.path.includes('/node_modules/')) return undefined
      return { path: pathToFileURL(resolved.path).href, external: true }
    })
  },
}

/**
 * Workspace sources outside bench/ that find files next to themselves with `import.meta.url` (the
 * nginx helper finds docs/nginx that way) keep their own URL once bundled into bench/.out.
 */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.tsx?$/ }, async ({ path }) => {
      if (!relative(benchDir, path).startsWith('..')) return undefined
      const source = await readFile(path, 'utf8')
      if (!source.includes('import.meta.url')) return undefined
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)), loader: path.endsWith('x') ? 'tsx' : 'ts' }
    })
  },
}

await build({
  entryPoints,
  outdir: join(benchDir, '.out'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@lifeline/source'],
  // The mock server's Redis scripts, imported from @lifeline/protocol's .lua files as text.
  loader: { '.lua': 'text' },
  plugins: [benchExternals, ownImportMetaUrl],
  // Bundled CommonJS dependencies (jose has none, but be safe) may call require().
  banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
})
