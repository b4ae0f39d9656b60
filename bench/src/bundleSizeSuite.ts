import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import type { BenchSection } from './benchSection'
import { fixed, markdownTable, whole } from './markdownTable'

interface Entry {
  label: string
  /** The entry module: by default everything the package exports (`export * from …`). */
  contents: string
}

const everything = (label: string, specifier = label): Entry => ({ label, contents: `export * from '${specifier}'` })

const ENTRIES: Entry[] = [
  everything('@lifeline/client (whole client, both transports)', '@lifeline/client'),
  { label: '@lifeline/client, `RealtimeClient` only (typical import)', contents: `export { RealtimeClient } from '@lifeline/client'` },
  everything('socket.io-client'),
  everything('@microsoft/signalr'),
  everything('centrifuge'),
  everything('pusher-js'),
  everything('partysocket'),
  everything('reconnecting-websocket'),
]

const KIB = 1024
/** The client's budget (SPEC C11). */
const BUDGET_GZIP_BYTES = 5 * KIB

interface Size {
  label: string
  minified: number
  gzip: number
  brotli: number
  /** Minified bytes contributed by each input file, largest first. */
  inputs: [string, number][]
}

const benchDir = fileURLToPath(new URL('..', import.meta.url))

/** esbuild for the browser, minified; then gzip -9 and brotli at quality 11 (node:zlib). */
async function measure({ label, contents }: Entry): Promise<Size> {
  const result = await build({
    stdin: { contents, resolveDir: benchDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
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
  const client = sizes[0]!
  const kib = (bytes: number) => fixed(bytes / KIB, 2)
  const table = markdownTable(
    ['Bundle', 'Minified bytes', 'Minified KiB', 'gzip -9 KiB', 'brotli KiB', '× Lifeline (gzip)'],
    sizes.map((size) => [size.label, whole(size.minified), kib(size.minified), kib(size.gzip), kib(size.brotli), fixed(size.gzip / client.gzip, 1)]),
  )
  return {
    title: 'Bundle size',
    markdown: [
      'Each bundle is `export * from "<package>"` (everything the package exports, so nothing is tree-shaken away), built by esbuild for the browser (ESM, minified, `process.env.NODE_ENV` = production), then compressed with gzip level 9 and brotli quality 11. Lifeline is bundled from its TypeScript sources (`--conditions=@lifeline/source`), not from `packages/client/dist`, with its one dependency (mitt) included.',
      '',
      table,
      '',
      `Where the whole client's ${whole(client.minified)} minified bytes come from (esbuild metafile, before compression):`,
      '',
      markdownTable(['Source file', 'Minified bytes'], client.inputs.filter(([, bytes]) => bytes > 0).map(([file, bytes]) => [`\`${file}\``, whole(bytes)])),
    ].join('\n'),
    goals: [{ goal: '@lifeline/client ≤ 5 KiB min+gzip', measured: `${kib(client.gzip)} KiB`, met: client.gzip <= BUDGET_GZIP_BYTES }],
  }
}
