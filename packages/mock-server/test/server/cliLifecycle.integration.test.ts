import { connect, createServer as createNetServer, type AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, WsClient } from '@lifeline/testkit/raw'
import { listeningUrl, runCli } from './runCli'
import { eventually, mintToken, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('lifeline-mock-server CLI start and stop', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops with exit code 0 on ${signal} sent twice in a row, telling connected clients to reconnect`, async () => {
      const server = runCli(['--port', '0'], { JWT_SECRET: 'cli-signal-secret' })
      const url = await listeningUrl(server)
      const client = await WsClient.connect({ url }, await mintToken('ada', { secret: 'cli-signal-secret' }))
      // A connection that never sends a request keeps the stop going until the server cuts it, so
      // the second signal lands while the first one's stop is under way.
      const idle = connect(Number(new URL(url).port), '127.0.0.1')
      closeAfterTest(() => idle.destroy())
      await new Promise((resolve) => idle.once('connect', resolve))
      server.child.kill(signal)
      await eventually(() => expect(server.stdout()).toContain(`Stopping (${signal})`))
      server.child.kill(signal)
      expect(await server.exited).toBe(0)
      expect(server.child.signalCode).toBeNull()
      expect((await client.closed).code).toBe(4100)
      expect(server.stderr()).toBe('')
    })
  }

  it('says the port is taken, without a stack trace, and exits 1', async () => {
    const holder = createNetServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    closeAfterTest(() => new Promise((resolve) => holder.close(resolve)))
    const { port } = holder.address() as AddressInfo
    const run = runCli(['--port', String(port)])
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`)
    expect(run.stderr()).toContain('--port 0')
    expect(run.stderr()).not.toMatch(/^\s+at /m)
  })

  it('refuses to mint a token that would be expired already, with exit code 2', async () => {
    const run = runCli(['token', '--sub', 'ada', '--expires-in', '0'])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain('--expires-in must be a positive number of seconds')
    expect(run.stdout()).toBe('')
  })

  it('exits with 2 and the usage on a --redis or REDIS_URL that is not a Redis URL', async () => {
    const runs = [runCli(['--port', '0', '--redis', 'redis.internal:6379']), runCli(['--port', '0'], { REDIS_URL: 'http://127.0.0.1:6379' })]
    for (const run of runs) {
      expect(await run.exited).toBe(2)
      expect(run.stderr()).toContain('--redis must be a redis:// or rediss:// URL')
      expect(run.stdout()).toBe('')
    }
  })

  it('exits with 2 and the usage on a history size or lifetime of 0, which the Redis broker cannot take', async () => {
    const runs = [runCli(['--port', '0', '--history-size', '0', '--redis', 'redis://127.0.0.1:9']), runCli(['--port', '0'], { HISTORY_TTL_MS: '0' })]
    for (const [index, run] of runs.entries()) {
      expect(await run.exited, String(index)).toBe(2)
      expect(run.stderr(), String(index)).toMatch(/--history-(size|ttl) must be a positive number/)
      expect(run.stderr(), String(index)).not.toMatch(/^\s+at /m)
    }
  })

  it('exits with 2 and the usage on allowed origins that would refuse every browser', async () => {
    const runs = [
      { run: runCli(['--port', '0'], { ALLOWED_ORIGINS: '' }), message: '--allowed-origins needs a comma-separated list' },
      { run: runCli(['--port', '0', '--allowed-origins', 'http://localhost:3000/']), message: 'got "http://localhost:3000/"' },
      { run: runCli(['--port', '0', '--allowed-origins', 'localhost:3000']), message: 'got "localhost:3000"' },
    ]
    for (const { run, message } of runs) {
      expect(await run.exited, message).toBe(2)
      expect(run.stderr(), message).toContain(message)
    }
  })

  it('exits with 2 and the usage on a port out of range', async () => {
    for (const port of ['65536', '99999', '1.5']) {
      const run = runCli(['--port', port])
      expect(await run.exited, port).toBe(2)
      expect(run.stderr(), port).toContain('--port must be')
      expect(run.stderr(), port).toContain('Usage:')
    }
  })

  it('exits with 2, without a stack trace, on settings createServer refuses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeline-cli-'))
    closeAfterTest(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'lifeline.json')
    // No room below a 1 ms heartbeat for the long-polling hold.
    await writeFile(path, JSON.stringify({ heartbeatMs: 1 }))
    const run = runCli(['--port', '0', '--config', path])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain('"pollMs" must be a positive integer below heartbeatMs (1)')
    expect(run.stderr()).not.toMatch(/^\s+at /m)
  })
})
