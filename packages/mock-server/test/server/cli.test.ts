import { describe, expect, it } from 'vitest'
import { listeningUrl, runCli } from './runCli'
import { request, useIntegrationHooks, WsClient } from './support'

useIntegrationHooks()

describe('lifeline-mock-server CLI', () => {
  it('starts with --port 0 --demo, prints its URL, and serves demo traffic to a token it minted', async () => {
    const server = runCli(['--port', '0', '--demo'], { JWT_SECRET: 'cli-test-secret' })
    const minting = runCli(['token', '--sub', 'u1', '--roles', 'admin'], { JWT_SECRET: 'cli-test-secret' })
    const url = await listeningUrl(server)
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
