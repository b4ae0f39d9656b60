// What a new user gets: every published package packed as it would be published, installed with
// npm from the tarballs into a fresh app outside the workspace, then typechecked, tested and run.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { appPackage } from './appPackage'
import { ensureBuilt, packAll, PUBLISHED, ROOT, run } from './pack'

// npm installs from the registry (cached in ~/.npm after the first run) and tsc checks whole
// programs: minutes on a cold cache, seconds after. Never a timing assertion.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 600_000 })

let work: string
let app: string
let tarballs: Record<string, string>
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name)
const appBin = (name: string) => join(app, 'node_modules', '.bin', name)

beforeAll(async () => {
  await ensureBuilt()
  work = await mkdtemp(join(tmpdir(), 'lifeline-consumer-'))
  tarballs = await packAll(work)
  app = join(work, 'app')
  await cp(join(import.meta.dirname, 'app'), app, { recursive: true })
  await writeFile(join(app, 'package.json'), `${JSON.stringify(appPackage(tarballs), null, 2)}\n`)
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, maxBuffer: 64 * 1024 * 1024 })
})

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

/** Every file path an `exports` map resolves to (its string leaves; `null` hides a subpath). */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports]
  if (!exports || typeof exports !== 'object') return []
  return Object.values(exports).flatMap(exportTargets)
}

describe.each(PUBLISHED)('the $name tarball', ({ name }) => {
  it('ships a README, a LICENSE, and exports that point only at files it ships', async () => {
    const files = (await run('tar', ['-tzf', tarballs[name]!])).stdout.split('\n').filter(Boolean)
    expect(files).toEqual(expect.arrayContaining(['package/README.md', 'package/LICENSE', 'package/package.json']))
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarballs[name]!, 'package/package.json'])).stdout) as Record<string, unknown>
    expect(manifest).toMatchObject({ license: 'MIT', repository: { type: 'git' }, homepage: expect.stringMatching(/^https:\/\//), bugs: { url: expect.stringMatching(/^https:\/\//) } })
    for (const target of [...exportTargets(manifest.exports), manifest.main, manifest.types]) {
      expect(files, `${name} ${String(target)}`).toContain(`package/${String(target).replace(/^\.\//, '')}`)
    }
    expect(JSON.stringify(manifest.exports)).not.toContain('@lifeline/source')
    expect(JSON.stringify(manifest)).not.toContain('workspace:')
  })

  it('has no link into the repository in its type declarations', async () => {
    const declarations = (await run('tar', ['-xzOf', tarballs[name]!, '--wildcards', 'package/dist/*.d.ts', 'package/dist/*.d.cts'])).stdout
    expect(declarations.length).toBeGreaterThan(0)
    expect(declarations).not.toMatch(/\.\.\/docs\//)
  })

  it('passes publint', async () => {
    const { stdout } = await run(bin('publint'), ['run', tarballs[name]!, '--strict', '--level', 'warning'])
    expect(stdout).toMatch(/All good|No problems found/)
  })

  it('passes @arethetypeswrong/cli under node10, node16 (CJS and ESM) and bundler', async () => {
    // The pnpm-packed tarball, not `attw --pack` (npm pack would ignore pnpm's publishConfig.exports).
    const { stdout } = await run(bin('attw'), [tarballs[name]!, '--format', 'ascii', '--no-color', '--no-emoji'])
    expect(stdout).toContain('No problems found')
  })
})

describe('the app', () => {
  it('installs without ioredis (an optional peer) and imports the mock server without it', async () => {
    expect(existsSync(join(app, 'node_modules', 'ioredis'))).toBe(false)
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('@lifeline/mock-server'); console.log(typeof m.createServer)"], { cwd: app })
    expect(stdout.trim()).toBe('function')
  })

  it.each(['bundler', 'node16'])('typechecks under moduleResolution %s, with skipLibCheck off', async (resolution) => {
    await run(appBin('tsc'), ['-p', `tsconfig.${resolution}.json`], { cwd: app }).catch((error: { stdout: string }) => {
      throw new Error(`tsc (${resolution}) failed:\n${error.stdout}`)
    })
  })

  it('runs a vitest test against the MSW handlers', async () => {
    const { stdout } = await run(appBin('vitest'), ['run', '--reporter=verbose', 'test/'], { cwd: app, env: { ...process.env, CI: 'true', NO_COLOR: '1' } }).catch(
      (error: { stdout: string; stderr: string }) => {
        throw new Error(`vitest failed:\n${error.stdout}\n${error.stderr}`)
      },
    )
    expect(stdout).toMatch(/Tests\s+2 passed/)
  })

  it('runs a Node script against lifeline-mock-server from the tarball', async () => {
    const { stdout } = await run(process.execPath, ['scripts/cli.mjs'], { cwd: app })
    expect(stdout).toMatch(/^received \{"user":"ada","points":3\} on websocket from http:\/\/127\.0\.0\.1:\d+$/m)
  })
})
