import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { livingMembers } from '../src/index'

vi.setConfig({ testTimeout: 60_000 })

const SOURCE = fileURLToPath(new URL('../src/', import.meta.url))

describe('a process group the testkit started', () => {
  it('dies with the test process, even one killed with SIGKILL (when no hook of ours can run)', async () => {
    // Another Node process starts Xvfb the way every browser is started (spawnGroup), says the
    // group, and is killed: the kernel must take the group's leader with it.
    const dir = await mkdtemp(join(tmpdir(), 'lifeline-testkit-orphan-'))
    try {
      await build({
        stdin: { contents: `import { startXvfb } from './startXvfb'\nconst { group } = await startXvfb()\nconsole.log(group.pgid)\nprocess.stdin.resume()\n`, resolveDir: SOURCE, loader: 'ts' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: join(dir, 'starter.mjs'),
        logLevel: 'silent',
      })
      const starter = spawn(process.execPath, [join(dir, 'starter.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] })
      const [output] = (await once(starter.stdout, 'data')) as [Buffer]
      const pgid = Number(output.toString().trim())
      expect(livingMembers(pgid).length).toBeGreaterThan(0)

      const exited = once(starter, 'exit')
      starter.kill('SIGKILL')
      await exited
      await expect.poll(() => livingMembers(pgid), { timeout: 10_000 }).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
