// Bundles the benchmark programs in src/ into .out/ with esbuild. Lifeline is bundled from its
// TypeScript sources (the `@lifeline/source` condition), so `pnpm bench` measures the working tree
// and needs no `pnpm build` first. Packages installed for bench/ or the root (ws, socket.io,
// ioredis, esbuild, …) stay external and load from node_modules, as their users run them.
import { existsSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const benchDir = dirname(fileURLToPath(import.meta.url))
const entryPoints = ['runBench', 'fanoutServer', 'fanoutClients'].map((name) => join(benchDir, 'src', `${name}.ts`))

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
const builtins = new Set(builtinModules)

/** Bare imports installed in bench/ or the root stay external; Lifeline and its own dependencies are bundled. */
const benchExternals = {
  name: 'bench-externals',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      if (path.startsWith('node:') || builtins.has(packageName(path))) return { external: true }
      if (path.startsWith('@lifeline/')) return undefined
      const installed = [benchDir, join(benchDir, '..')].some((dir) => existsSync(join(dir, 'node_modules', packageName(path))))
      return installed ? { external: true } : undefined
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
  plugins: [benchExternals],
  // Bundled CommonJS dependencies (jose has none, but be safe) may call require().
  banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
})
