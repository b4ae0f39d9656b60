import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../src/cliMain'
import { runConformance } from '../src/index'

const CONFIG = fileURLToPath(new URL('../examples/conformance.json', import.meta.url))

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(args, { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`) })
  return { code, out, err }
}

describe('lifeline-conformance with an empty list', () => {
  // An empty list from a CI variable that was not set must not become "everything", nor "nothing
  // checked, exit 0".
  it('refuses an empty --level, --transport, --case or --not-applicable with exit code 2 before running anything', async () => {
    for (const [flag, value] of [['--level', ''], ['--transport', ''], ['--case', ''], ['--case', ','], ['--not-applicable', ' ']]) {
      const run = await cli(['--url', 'http://127.0.0.1:9', '--config', CONFIG, flag!, value!])
      expect(run.code, `${flag} "${value}"`).toBe(2)
      expect(run.err, `${flag} "${value}"`).toContain(`${flag} needs a comma-separated list`)
      expect(run.out, `${flag} "${value}"`).toBe('')
    }
  })

  it('refuses an empty list of cases from code instead of reporting a run that checked nothing as ok', async () => {
    await expect(runConformance({ url: 'http://127.0.0.1:9', config: {}, cases: [] })).rejects.toThrow(TypeError)
    await expect(runConformance({ url: 'http://127.0.0.1:9', config: {}, cases: [] })).rejects.toThrow('"cases" must list some case names')
  })
})
