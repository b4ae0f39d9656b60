import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The guides print their code from files that run (the gallery's stories, its server, its
// browser tests); this keeps them the same. A block marked `<!-- sample: path -->` is the whole
// file; `path#name` is the region between `// sample: name` and `// end sample`, without its
// common indentation. (The `.e2e` suffix is what the gallery project runs; no browser is needed.)

const root = fileURLToPath(new URL('../../../', import.meta.url))
const GUIDES = ['getting-started.md', 'migrating-from-polling.md', 'migrating-from-socketio.md', 'fallback-and-proxies.md', 'auth.md']

function samplesOf(guide: string): { reference: string; code: string }[] {
  const text = readFileSync(`${root}docs/${guide}`, 'utf8')
  return [...text.matchAll(/<!-- sample: (\S+) -->\n```\w*\n([\s\S]*?)```/g)].map(([, reference, code]) => ({ reference: reference!, code: code! }))
}

function source(reference: string): string {
  const [path, region] = reference.split('#')
  const text = readFileSync(`${root}${path}`, 'utf8')
  if (!region) return text
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.trim() === `// sample: ${region}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === '// end sample')
  if (start < 0 || end < 0) throw new Error(`No region "${region}" in ${path}`)
  const body = lines.slice(start + 1, end)
  const indent = Math.min(...body.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length))
  return `${body.map((line) => line.slice(indent)).join('\n')}\n`
}

describe.each(GUIDES)('docs/%s', (guide) => {
  const samples = samplesOf(guide)

  it('prints code samples', () => {
    expect(samples.length).toBeGreaterThan(0)
  })

  it.each(samples.map((sample) => [sample.reference, sample.code]))('prints %s as the file has it', (reference, code) => {
    expect(code).toBe(source(reference))
  })
})
