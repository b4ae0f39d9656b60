import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, eventually, request, useIntegrationHooks, WsClient } from './support'

useIntegrationHooks()

/** The built CLI: CI runs `pnpm build` before `pnpm test`, and users run this very file. */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

interface CliRun {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  expect(existsSync(CLI), `${CLI} is missing: run \`pnpm build\` first`).toBe(true)
  // The child must not pick up server settings from the environment the tests run in.
  const { PORT, HOST, JWT_SECRET, API_KEY, ALLOWED_ORIGINS, DEMO, REDIS_URL, ...inherited } = process.env
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

describe('lifeline-mock-server CLI', () => {
  it('starts with --port 0 --demo, prints its URL, and serves demo traffic to a token it minted', async () => {
    const server = runCli(['--port', '0', '--demo'], { JWT_SECRET: 'cli-test-secret' })
    const minting = runCli(['token', '--sub', 'u1', '--roles', 'admin'], { JWT_SECRET: 'cli-test-secret' })
    const url = await eventually(() => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())
      if (!match) throw new Error(`no URL yet; stdout: ${server.stdout()} stderr: ${server.stderr()}`)
      return match[1]!
    })
    expect((await request({ url }, '/healthz')).status).toBe(200)

    expect(await minting.exited).toBe(0)
    const token = minting.stdout().trim()
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const client = await WsClient.connect({ url }, token)
    expect((await client.command('subscribe', { channel: 'dashboard' })).ok).toBe(true)
    const [stats] = await client.messagesOf('dashboard', 1)
    expect(stats).toMatchObject({ event: 'stats', data: { activeUsers: expect.any(Number) } })

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('exits with 2 and the usage on a bad flag or value', async () => {
    const runs = [['--no-such-flag'], ['--port', 'eighty'], ['token'], ['frobnicate']].map((args) => ({ args, run: runCli(args) }))
    for (const { args, run } of runs) {
      expect(await run.exited, args.join(' ')).toBe(2)
      expect(run.stderr(), args.join(' ')).toContain('Usage:')
    }
  })
})
