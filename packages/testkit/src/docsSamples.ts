import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The repository root; sample references are relative to it. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8')

/** A code block a guide prints from a file that runs. */
export interface PrintedSample {
  /** `path` for the whole file, `path#name` for a region of it; relative to the repository root. */
  reference: string
  /** The block as the guide prints it. */
  code: string
}

const MARKED_BLOCK = /<!-- sample: (\S+) -->\n```\w*\n([\s\S]*?)```/g

/**
 * The blocks of `guide` (a path such as `docs/client.md`) marked `<!-- sample: reference -->` right
 * above their fence.
 * @example printedSamples('docs/client.md') // [{ reference: 'packages/client/src/__tests__/channel.test.ts#channel', code: '…' }]
 */
export function printedSamples(guide: string): PrintedSample[] {
  return [...read(guide).matchAll(MARKED_BLOCK)].map(([, reference, code]) => ({ reference: reference!, code: code! }))
}

/** The guides in `docs/` that print at least one sample, as `docs/<name>.md`. */
export function guidesWithSamples(): string[] {
  return readdirSync(`${REPO_ROOT}docs`)
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
    .filter((guide) => printedSamples(guide).length > 0)
}

/**
 * What `reference` points at, as a guide should print it: the whole file for `path`; for
 * `path#name`, the lines between `// sample: name` and `// end sample` without their common
 * indentation. Throws when the region is missing, so a renamed marker fails loudly.
 */
export function sampleSource(reference: string): string {
  const [path, region] = reference.split('#')
  const text = read(path!)
  if (!region) return text
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.trim() === `// sample: ${region}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === '// end sample')
  if (start < 0 || end < 0) throw new Error(`No region "${region}" in ${path}: mark it with // sample: ${region} … // end sample`)
  const body = lines.slice(start + 1, end)
  const indent = Math.min(...body.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length))
  return `${body.map((line) => line.slice(indent)).join('\n')}\n`
}
