import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// docs/testing.md prints its samples from test files that run; this keeps the two the same.
// A block marked `<!-- sample: path -->` is the whole file; `path#name` is the region between
// `// sample: name` and `// end sample` in it, without its common indentation.

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const guide = readFileSync(`${root}docs/testing.md`, 'utf8')
const samples = [...guide.matchAll(/<!-- sample: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map(([, reference, code]) => ({ reference: reference!, code: code! }))

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

describe('docs/testing.md', () => {
  it('prints samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4)
  })

  it.each(samples.map((sample) => [sample.reference, sample.code]))('prints %s as the test file has it', (reference, code) => {
    expect(code).toBe(source(reference))
  })
})
