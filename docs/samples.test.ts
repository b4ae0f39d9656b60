import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Some guides print code from files that run (tests, the mock server's docs); this keeps each printed
// sample identical to its file. (Guides whose blocks are whole files of their own, such as
// getting-started.md, are compiled and run by the consumer test instead.) A block marked `<!-- sample: path -->` is the whole
// file; `path#name` is the region between `// sample: name` and `// end sample` in it, without its
// common indentation. Paths are relative to the repository root.

const root = fileURLToPath(new URL('../', import.meta.url))
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8')

function samplesOf(guide: string): [reference: string, code: string][] {
  return [...read(`docs/${guide}`).matchAll(/<!-- sample: (\S+) -->\n```\w*\n([\s\S]*?)```/g)].map(([, reference, code]) => [reference!, code!])
}

function source(reference: string): string {
  const [path, region] = reference.split('#')
  const text = read(path!)
  if (!region) return text
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.trim() === `// sample: ${region}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === '// end sample')
  if (start < 0 || end < 0) throw new Error(`No region "${region}" in ${path}`)
  const body = lines.slice(start + 1, end)
  const indent = Math.min(...body.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length))
  return `${body.map((line) => line.slice(indent)).join('\n')}\n`
}

const guides = readdirSync(`${root}docs`).filter((name) => name.endsWith('.md') && samplesOf(name).length > 0)

describe('docs samples', () => {
  it('are found in the guides that print code from files', () => {
    expect(guides).toEqual(expect.arrayContaining(['client.md', 'mock-server.md', 'testing.md']))
  })

  describe.each(guides)('docs/%s', (guide) => {
    it.each(samplesOf(guide))('prints %s as the file has it', (reference, code) => {
      expect(code).toBe(source(reference))
    })
  })
})
