// What a new user gets: every published package packed as it would be published, installed with
// npm from the tarballs into a fresh app outside the workspace, then typechecked, tested and run.
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { appPackage } from './appPackage'
import { ensureBuilt, packAll, PUBLISHED, ROOT, run } from './pack'
import { GUIDES, runnerOf, samplesOf, type Sample } from './samples'

// npm installs from the registry (cached in ~/.npm after the first run) and tsc checks whole
// programs: minutes on a cold cache, seconds after. Never a timing assertion.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 600_000 })

let work: string
let app: string
let tarballs: Record<string, string>
const samples = GUIDES.flatMap(samplesOf)
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name)
const appBin = (name: string) => join(app, 'node_modules', '.bin', name)

beforeAll(async () => {
  await ensureBuilt()
  work = await mkdtemp(join(tmpdir(), 'lifeline-consumer-'))
  tarballs = await packAll(work)
  app = join(work, 'app')
  await cp(join(import.meta.dirname, 'app'), app, { recursive: true })
  await writeFile(join(app, 'package.json'), `${JSON.stringify(appPackage(tarballs), null, 2)}\n`)
  await writeSamples(app)
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, maxBuffer: 64 * 1024 * 1024 })
})

/** Writes every guide's blocks under samples/<guide>/, a runner test beside each node or browser one, and the tsconfigs that check them. */
async function writeSamples(app: string): Promise<void> {
  const write = async (file: string, code: string) => {
    await mkdir(dirname(join(app, file)), { recursive: true })
    await writeFile(join(app, file), code)
  }
  for (const sample of samples) {
    await write(`samples/${sample.guide}/${sample.file}`, sample.code)
    if (sample.mode === 'node' || sample.mode === 'browser') {
      const runner = runnerOf(sample)
      await write(`samples/${sample.guide}/${runner.file}`, runner.code)
    }
  }
  for (const guide of GUIDES) {
    // One program per guide, as one app would hold its files: the guide's `Register` declaration applies to all of them.
    await write(`tsconfig.samples-${guide}.json`, JSON.stringify({ extends: './tsconfig.bundler.json', compilerOptions: { skipLibCheck: true }, include: [`samples/${guide}`, 'samples-support'] }))
    const nodeFiles = samplesOfGuide(guide).filter((sample) => sample.mode === 'node' || sample.mode === 'vitest')
    await write(`tsconfig.samples-${guide}-node16.json`, JSON.stringify({ extends: './tsconfig.node16.json', compilerOptions: { skipLibCheck: true }, include: [], files: nodeFiles.map((sample) => `samples/${guide}/${sample.file}`) }))
  }
}

const samplesOfGuide = (guide: Sample['guide']) => samples.filter((sample) => sample.guide === guide)

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

describe.each(GUIDES)('docs/%s.md', (guide) => {
  it('has code samples, each marked as run or compile-only', () => {
    expect(samplesOfGuide(guide).length).toBeGreaterThan(0)
  })

  it('compiles every sample as a file of one app (moduleResolution bundler)', async () => {
    await run(appBin('tsc'), ['-p', `tsconfig.samples-${guide}.json`], { cwd: app }).catch((error: { stdout: string }) => {
      throw new Error(`docs/${guide}.md samples do not compile:\n${error.stdout}`)
    })
  })

  it('compiles its Node programs and tests under moduleResolution node16', async () => {
    if (!samplesOfGuide(guide).some((sample) => sample.mode === 'node' || sample.mode === 'vitest')) return
    await run(appBin('tsc'), ['-p', `tsconfig.samples-${guide}-node16.json`], { cwd: app }).catch((error: { stdout: string }) => {
      throw new Error(`docs/${guide}.md samples do not compile under node16:\n${error.stdout}`)
    })
  })

  it('runs every sample not marked compile-only, against the mock server', async () => {
    const runnable = samplesOfGuide(guide).filter((sample) => sample.mode !== 'compile-only')
    const report = join(app, `samples-${guide}.json`)
    await run(appBin('vitest'), ['run', `samples/${guide}/`, '--reporter=json', `--outputFile=${report}`], { cwd: app, env: { ...process.env, CI: 'true' } }).catch(() => undefined)
    const results = JSON.parse(await readFile(report, 'utf8')) as { testResults: { name: string; status: string; assertionResults: { status: string; failureMessages: string[] }[]; message: string }[] }
    for (const sample of runnable) {
      const file = sample.mode === 'vitest' ? sample.file : runnerOf(sample).file
      const result = results.testResults.find((entry) => entry.name.endsWith(`/samples/${guide}/${file}`))
      const failures = result ? [result.message, ...result.assertionResults.flatMap((test) => test.failureMessages)].filter(Boolean).join('\n') : 'not run'
      expect({ sample: `block ${sample.index} (${sample.file})`, failures }).toEqual({ sample: `block ${sample.index} (${sample.file})`, failures: '' })
      expect(result!.assertionResults.length).toBeGreaterThan(0)
      expect(result!.assertionResults.every((test) => test.status === 'passed')).toBe(true)
    }
  })
})
