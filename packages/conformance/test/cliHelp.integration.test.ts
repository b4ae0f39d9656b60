import { describe, expect, it } from 'vitest'
import { runCli, USAGE } from '../src/cliMain'

describe('lifeline-conformance --help', () => {
  it('prints the usage, which lists --help itself, and exits 0 without running anything', async () => {
    for (const flag of ['--help', '-h']) {
      let out = ''
      let err = ''
      const code = await runCli([flag], { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`) })
      expect(code, flag).toBe(0)
      expect(out, flag).toBe(`${USAGE}\n`)
      expect(err, flag).toBe('')
    }
    expect(USAGE).toMatch(/^\s+-h, --help\s+print this help$/m)
    expect(USAGE).toContain('Exit code: 0 when no case failed, 1 when one did, 2 for a usage or config error.')
  })
})
