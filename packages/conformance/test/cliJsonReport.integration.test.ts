import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cliMain'

const CONFIG = fileURLToPath(new URL('../examples/conformance.json', import.meta.url))

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-conformance-json-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(args, { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`) })
  return { code, out, err }
}

describe('lifeline-conformance --json', () => {
  // Found only after a run of many minutes, a report that cannot be written would lose the run.
  it('refuses a report path it cannot write before running any case, with exit code 2', async () => {
    for (const path of [join(dir, 'missing-folder', 'report.json'), dir]) {
      const run = await cli(['--url', 'http://127.0.0.1:9', '--config', CONFIG, '--json', path])
      expect(run.code, path).toBe(2)
      expect(run.err, path).toContain(`--json ${path}: cannot write the report there`)
      expect(run.out, path).toBe('')
    }
  })
})
