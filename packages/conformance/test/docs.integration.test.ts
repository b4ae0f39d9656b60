import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeCases } from '../src/index'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const guide = () => readFileSync(join(ROOT, 'docs/conformance.md'), 'utf8')

/** Runs `node <args>` from the repository root until `until(stdout)` or its exit; resolves with what it printed. */
function node(args: string[], until?: (stdout: string) => boolean): { done: Promise<{ code: number | null; stdout: string }>; stop(): void } {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (until?.(stdout)) resolve({ code: null, stdout })
    })
    child.on('exit', (code) => resolve({ code, stdout }))
  })
  return { done, stop: () => child.exitCode === null && child.kill('SIGTERM') }
}

describe('docs/conformance.md', () => {
  it('lists every case with its level, transports and what it checks', () => {
    const rows = [...guide().split('<!-- cases -->')[1]!.split('<!-- end cases -->')[0]!.matchAll(/^#### (\S+)$|^\| `([\w-]+)` \| ([^|]+) \| (.+) \|$/gm)]
    let level = ''
    const listed = rows.flatMap(([, heading, name, on, title]) => {
      if (heading) return (level = heading), []
      return [{ name, level, title: title!.replaceAll('\\|', '|'), ...(on!.trim() === 'once' ? {} : { transports: on!.split(', ') }) }]
    })
    expect(listed).toEqual(describeCases().map((testCase) => ({ ...testCase, ...(testCase.transports ? { transports: [...testCase.transports] } : {}) })))
  })

  it("runs its sample: the built mock server with the example configs passes every level but multi-replica", async () => {
    for (const built of ['packages/mock-server/dist/cli.js', 'packages/conformance/dist/cli.js']) expect(existsSync(join(ROOT, built)), `${built} is missing: run \`pnpm build\` first`).toBe(true)
    const server = node(
      ['packages/mock-server/dist/cli.js', '--port', '0', '--api-key', 'conformance-api-key', '--allowed-origins', 'http://localhost:3000', '--config', 'packages/conformance/examples/lifeline-mock-server.json'],
      (stdout) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(stdout),
    )
    try {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec((await server.done).stdout)?.[1]
      expect(url).toBeDefined()
      const run = await node(['packages/conformance/bin/lifeline-conformance.js', '--url', url!, '--config', 'packages/conformance/examples/conformance.json']).done
      // The summary the guide shows for this run: the same counts, so the guide stays true when cases are added.
      const summary = /^PASSED: \d+ passed, 0 failed, \d+ not applicable/m.exec(guide())?.[0]
      expect(summary).toBeDefined()
      expect(run.stdout).toContain(summary)
      expect(run.code).toBe(0)
    } finally {
      server.stop()
    }
  }, 120_000)
})
