import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { closeAfterTest } from '@lifeline/testkit/raw'
import { eventually } from './support'

/** The built CLI: CI runs `pnpm build` before `pnpm test`, and users run this very file. */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface CliRun {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** Runs the built CLI with `args` (stopped with SIGTERM after the test, if still running). */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  expect(existsSync(CLI), `${CLI} is missing: run \`pnpm build\` first`).toBe(true)
  // The child must not pick up server settings from the environment the tests run in.
  const { PORT, HOST, JWT_SECRET, API_KEY, ALLOWED_ORIGINS, DEMO, REDIS_URL, CONFIG_FILE, ...inherited } = process.env
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  closeAfterTest(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** The URL a started server printed, once it has printed it. */
export function listeningUrl(run: CliRun): Promise<string> {
  return eventually(() => {
    // Any host, an IPv6 literal in brackets included: the URL ends at the space before "(WebSocket".
    const match = /listening on (http:\/\/\S+) \(/.exec(run.stdout())
    if (!match) throw new Error(`no URL yet; stdout: ${run.stdout()} stderr: ${run.stderr()}`)
    return match[1]!
  })
}
