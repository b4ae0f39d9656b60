import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, request, WsClient } from '@lifeline/testkit/raw'
import { listeningUrl, runCli } from './runCli'
import { mintToken, useIntegrationHooks } from './support'

/** Writes `config` as JSON into a temporary file, removed after the test. */
async function configFile(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeline-cli-'))
  closeAfterTest(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'lifeline.json')
  await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config))
  return path
}

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

  it('prints the version of its package with --version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    for (const flag of ['--version', '-v']) {
      const run = runCli([flag])
      expect(await run.exited).toBe(0)
      expect(run.stdout().trim()).toBe(version)
    }
  })

  it('serves the channel rules, limits and heartbeat of a --config file, beside the flags', async () => {
    const config = await configFile({
      channelRules: [{ pattern: 'ops:{id}', subscribe: { roles: ['ops'] }, publish: 'nobody' }],
      heartbeatMs: 7_000,
      maxSubscriptions: 1,
    })
    const server = runCli(['--port', '0', '--config', config, '--api-key', 'cli-key'], { JWT_SECRET: 'cli-test-secret' })
    const url = await listeningUrl(server)
    expect(server.stdout()).toContain(`Config from ${config}: 1 channel rules, heartbeatMs 7000, maxSubscriptions 1`)
    const client = await WsClient.connect({ url }, await mintToken('ada', { roles: ['ops'], secret: 'cli-test-secret' }))
    expect(client.frames[0]).toMatchObject({ type: 'reply', ok: true, result: { heartbeatMs: 7_000 } })
    expect((await client.command('subscribe', { channel: 'ops:1' })).ok).toBe(true)
    expect(await client.command('subscribe', { channel: 'ops:2' })).toMatchObject({ ok: false, error: { code: 'TOO_MANY_SUBSCRIPTIONS' } })

    const publish = (channel: string) =>
      request({ url }, '/publish', { method: 'POST', headers: { authorization: 'Bearer cli-key' }, body: JSON.stringify({ channel, event: 'alert', data: { level: 2 } }) })
    expect((await publish('ops:1')).status).toBe(200)
    expect((await client.messagesOf('ops:1', 1))[0]).toMatchObject({ event: 'alert', data: { level: 2 } })
    // The file's rules replace the defaults: nothing matches leaderboard now.
    const unmatched = await publish('leaderboard')
    expect([unmatched.status, unmatched.body.error.code]).toEqual([403, 'FORBIDDEN'])
    const wrongMethod = await request({ url }, '/publish')
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST'])
  })

  it('exits with 2 and a message naming the field for a config file it cannot use', async () => {
    const runs = await Promise.all(
      [
        [{ heartbeatMs: 1000, pollMs: 2000 }, '"pollMs" (2000) must be below heartbeatMs (1000)'],
        [{ channelRules: [{ pattern: 'lobby', subscribe: 'everyone' }] }, 'channelRules[0].subscribe must be "anyone", "nobody"'],
        ['{"heartbeatMs": ', 'is not valid JSON'],
      ].map(async ([config, message]) => ({ message: message as string, run: runCli(['--port', '0', '--config', await configFile(config)]) })),
    )
    for (const { message, run } of runs) {
      expect(await run.exited, message).toBe(2)
      expect(run.stderr(), message).toContain(message)
      expect(run.stderr(), message).toContain('docs/mock-server.md#config-file')
    }
  })
})

