import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))

/** Runs a command to its end; resolves with its exit code and everything it printed. */
function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

// The Python side runs under Debian's python3 (the first python3 on PATH may lack Django). Each run
// starts its own redis-server and daphne processes on free ports and stops them by pid.
describe('the Django Channels backend', () => {
  it('passes its own pytest suite', async () => {
    const { code, output } = await run('bash', ['test.sh'])
    expect(code, output).toBe(0)
  })

  it('passes the conformance kit at every level it claims against one daphne process', async () => {
    const { code, output } = await run('/usr/bin/python3', ['conformance/run.py', '--replicas', '1'])
    expect(code, output).toBe(0)
    expect(output).toMatch(/PASSED: \d+ passed, 0 failed/)
  })

  it('passes the conformance kit with the multi-replica level against two daphne processes on one Redis', async () => {
    const { code, output } = await run('/usr/bin/python3', ['conformance/run.py', '--replicas', '2'])
    expect(code, output).toBe(0)
  })
})
