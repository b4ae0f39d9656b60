import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@lifeline/protocol'

// docs/client.md and docs/errors.md print samples from test files that run, and list every option,
// event and error code; this keeps them in step with the code. A block marked
// `<!-- sample: path#name -->` is the region between `// sample: name` and `// end sample` in that
// file, without its common indentation.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const read = (path: string) => readFileSync(resolve(root, path), 'utf8')
const guides = { 'docs/client.md': read('docs/client.md'), 'docs/errors.md': read('docs/errors.md') }

function region(reference: string): string {
  const [path, name] = reference.split('#')
  const lines = read(path!).split('\n')
  const start = lines.findIndex((line) => line.trim() === `// sample: ${name}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === '// end sample')
  if (start < 0 || end < 0) throw new Error(`No region "${name}" in ${path}`)
  const body = lines.slice(start + 1, end)
  const indent = Math.min(...body.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length))
  return `${body.map((line) => line.slice(indent)).join('\n')}\n`
}

const samples = Object.entries(guides).flatMap(([guide, text]) =>
  [...text.matchAll(/<!-- sample: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map(([, reference, code]) => [guide, reference!, code!] as const),
)

/** `name → @default text` for every documented field of an interface in `path`. */
function defaultsIn(path: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const [, doc, name] of read(path).matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\?:/g)) {
    const value = /@default (.+?)(?:\s*\*\/)?$/m.exec(doc!)?.[1]
    if (value) found.set(name!, value.trim())
  }
  return found
}

describe('docs/client.md and docs/errors.md', () => {
  it('print samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8)
  })

  it.each(samples)('%s prints %s as the file has it', (_guide, reference, code) => {
    expect(code).toBe(region(reference))
  })

  it('list every option with the default its JSDoc gives', () => {
    const defaults = new Map([...defaultsIn('packages/client/src/options.ts'), ...defaultsIn('packages/client/src/transports/transport.ts')])
    expect(defaults.size).toBeGreaterThanOrEqual(20)
    for (const [name, value] of defaults) expect(guides['docs/client.md']).toContain(`| \`${name}\` | \`${value}\` |`)
  })

  it('list every client event', () => {
    const events = /export type ClientEvents = \{([\s\S]*?)\n\}/.exec(read('packages/client/src/types.ts'))![1]!
    const names = [...events.matchAll(/^\s+(\w+):/gm)].map(([, name]) => name!)
    expect(names).toEqual(['status', 'transport', 'error'])
    for (const name of names) expect(guides['docs/client.md']).toContain(`| \`${name}\` |`)
  })

  it('list every error code, the client’s and the protocol’s', () => {
    const clientCodes = [...read('packages/client/src/errors.ts').matchAll(/^\s+\| '([A-Z_]+)'$/gm)].map(([, code]) => code!)
    expect(clientCodes).toContain('QUEUE_FULL')
    for (const code of [...clientCodes, ...ERROR_CODES]) expect(guides['docs/errors.md']).toContain(`| \`${code}\` |`)
  })
})
