import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { atMostExact, type BenchSection, type GoalVerdict } from './benchSection'
import { fixed, markdownTable, whole } from './markdownTable'

interface Entry {
  label: string
  /** The entry module: by default everything the package exports (`export * from …`). */
  contents: string
  /** Left out of the bundle: a package's peer dependencies, which the app brings anyway. */
  external?: string[]
}

const benchDir = fileURLToPath(new URL('..', import.meta.url))
const repoDir = join(benchDir, '..')

const everything = (label: string, specifier = label): Entry => ({ label, contents: `export * from '${specifier}'` })

const DEFAULT_CLIENT = '@lifeline/client, `RealtimeClient` (the default import)'
const WITH_TABS = '`RealtimeClient` + `tabSharing` (`@lifeline/client/tabs`)'
const REACT = '@lifeline/react (without its peers react and @lifeline/client)'

const ENTRIES: Entry[] = [
  { label: DEFAULT_CLIENT, contents: `export { RealtimeClient } from '@lifeline/client'` },
  { label: WITH_TABS, contents: `export { RealtimeClient } from '@lifeline/client'\nexport { tabSharing } from '@lifeline/client/tabs'` },
  everything('@lifeline/client, everything it exports', '@lifeline/client'),
  // Not a dependency of bench: bundled from its sources by path, its peers left out.
  { label: REACT, contents: `export * from '${join(repoDir, 'packages', 'react', 'src', 'index.ts')}'`, external: ['react', 'react/*', '@lifeline/client'] },
  everything('socket.io-client'),
  everything('@microsoft/signalr'),
  everything('centrifuge'),
  everything('pusher-js'),
  everything('partysocket'),
  everything('reconnecting-websocket'),
]

/** The client's transports, by source file: the default bundle must carry every one. */
const TRANSPORT_FILES = { websocket: 'webSocketTransport.ts', sse: 'sseTransport.ts', 'long-polling': 'longPollingTransport.ts' }

const KIB = 1024
const CLIENT_BUDGET_KIB = 6
const TAB_SHARING_BUDGET_KIB = 1
const REACT_BUDGET_KIB = 1

interface Size {
  label: string
  minified: number
  gzip: number
  brotli: number
  /** Minified bytes contributed by each input file, largest first. */
  inputs: [string, number][]
}

/** esbuild for the browser, minified, target esnext; then gzip -9 and brotli at quality 11 (node:zlib). */
async function measure({ label, contents, external = [] }: Entry): Promise<Size> {
  const result = await build({
    stdin: { contents, resolveDir: benchDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'esnext',
    jsx: 'automatic',
    external,
    // Lifeline straight from its TypeScript sources, as its own build would see them.
    conditions: ['@lifeline/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    metafile: true,
    logLevel: 'error',
  })
  const code = result.outputFiles[0]!.contents
  const output = Object.values(result.metafile.outputs)[0]!
  const inputs = Object.entries(output.inputs).map(([file, input]): [string, number] => [file.replace(/^.*?(packages|node_modules)\//, '$1/'), input.bytesInOutput])
  return {
    inputs: inputs.sort((a, b) => b[1] - a[1]),
    label,
    minified: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } }).length,
  }
}

export async function runBundleSizeSuite(): Promise<BenchSection> {
  const sizes: Size[] = []
  for (const entry of ENTRIES) sizes.push(await measure(entry))
  const client = sizes.find((size) => size.label === DEFAULT_CLIENT)!
  const react = sizes.find((size) => size.label === REACT)!
  const withTabs = sizes.find((size) => size.label === WITH_TABS)!
  const whole_ = sizes.find((size) => size.label.startsWith('@lifeline/client, everything'))!
  const kib = (bytes: number) => fixed(bytes / KIB, 2)
  const transports = Object.entries(TRANSPORT_FILES).map(([name, file]) => ({ name, included: client.inputs.some(([input, bytes]) => input.endsWith(`/${file}`) && bytes > 0) }))
  const missing = transports.filter((transport) => !transport.included).map((transport) => transport.name)
  const table = markdownTable(
    ['Bundle', 'Minified bytes', 'Minified KiB', 'gzip -9 KiB', 'brotli KiB', '× Lifeline (gzip)'],
    sizes.map((size) => [size.label, whole(size.minified), kib(size.minified), kib(size.gzip), kib(size.brotli), fixed(size.gzip / client.gzip, 1)]),
  )
  const goals: GoalVerdict[] = [
    {
      goal: `Default \`RealtimeClient\` bundle, every transport (${transports.map((transport) => `${transport.name}${transport.included ? '' : ' MISSING'}`).join(', ')})`,
      target: `≤ ${CLIENT_BUDGET_KIB} KiB min+gzip`,
      measured: `${kib(client.gzip)} KiB`,
      verdict: missing.length ? 'missed' : atMostExact(client.gzip, CLIENT_BUDGET_KIB * KIB),
    },
    {
      goal: 'Cross-tab sharing (`tabSharing` from `@lifeline/client/tabs`), on top of the default bundle',
      target: `≤ ${TAB_SHARING_BUDGET_KIB} KiB more min+gzip`,
      measured: `+${kib(withTabs.gzip - client.gzip)} KiB (${kib(withTabs.gzip)} KiB together)`,
      verdict: atMostExact(withTabs.gzip - client.gzip, TAB_SHARING_BUDGET_KIB * KIB),
    },
    { goal: '`@lifeline/react` (its peers react and @lifeline/client left out)', target: `≤ ${REACT_BUDGET_KIB} KiB min+gzip`, measured: `${kib(react.gzip)} KiB`, verdict: atMostExact(react.gzip, REACT_BUDGET_KIB * KIB) },
  ]
  return {
    title: 'Bundle size',
    markdown: [
      'Each bundle is built by esbuild for the browser (ESM, minified, target esnext, `process.env.NODE_ENV` = production), then compressed with gzip level 9 and brotli quality 11. The default client is `export { RealtimeClient } from "@lifeline/client"`, what an app imports; the others are `export * from "<package>"` (everything the package exports, so nothing is tree-shaken away). Lifeline is bundled from its TypeScript sources (`--conditions=@lifeline/source`), not from `dist`, with its one dependency (mitt) included; `@lifeline/react` leaves out its peer dependencies.',
      '',
      table,
      '',
      `Where the default client's ${whole(client.minified)} minified bytes come from (esbuild metafile, before compression; the whole package is ${whole(whole_.minified)}):`,
      '',
      markdownTable(['Source file', 'Minified bytes'], client.inputs.filter(([, bytes]) => bytes > 0).map(([file, bytes]) => [`\`${file}\``, whole(bytes)])),
    ].join('\n'),
    goals,
    failures: [],
  }
}
