import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@lifeline/protocol'

// docs/client.md and docs/errors.md list every option, event and error code; this keeps them in step
// with the code. (The samples they print from test files are checked with every other guide's, by
// docs/samples.test.ts.)

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const read = (path: string) => readFileSync(resolve(root, path), 'utf8')
const guides = { 'docs/client.md': read('docs/client.md'), 'docs/errors.md': read('docs/errors.md') }

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
