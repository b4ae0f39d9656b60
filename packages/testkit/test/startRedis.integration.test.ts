import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startRedis, type RedisServer } from '../src/tools'

/** One inline command over a fresh connection; answers Redis's reply as it came, or the error. */
function ask(redis: RedisServer, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(redis.port, '127.0.0.1', () => socket.write(`${command}\r\n`))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString())
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

/**
 * A stand-in for redis-server whose first `failures` runs fail with `error` (as redis-server does when
 * its port was taken after it was picked), and later runs start the real one. Each run's port is
 * recorded, in order, in the file `attempts` returns.
 */
async function flakyRedisServer(failures: number, error = 'Address already in use'): Promise<{ attempts: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flaky-redis-'))
  temporary.push(dir)
  const log = join(dir, 'attempts')
  const script = join(dir, 'redis-server')
  await writeFile(
    script,
    [
      '#!/bin/sh',
      // startRedis passes `--port <port>` first.
      `echo "$2" >> '${log}'`,
      `if [ "$(wc -l < '${log}')" -le ${failures} ]; then echo "Could not create server TCP listening socket 127.0.0.1:$2: bind: ${error}"; exit 1; fi`,
      'exec redis-server "$@"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  )
  vi.stubEnv('REDIS_SERVER_PATH', script)
  return { attempts: async () => (await readFile(log, 'utf8')).trim().split('\n') }
}

const started: RedisServer[] = []
const temporary: string[] = []
afterEach(async () => {
  vi.unstubAllEnvs()
  for (const redis of started.splice(0)) await redis.kill()
  for (const dir of temporary.splice(0)) await rm(dir, { recursive: true, force: true })
})

describe('startRedis', () => {
  it('serves on its own loopback port, and comes back empty on the same port after a kill', async () => {
    const redis = await startRedis()
    started.push(redis)
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`)
    expect(await ask(redis, 'SET greeting hello')).toBe('+OK\r\n')
    await redis.kill()
    expect(await ask(redis, 'PING')).toBe('ECONNREFUSED')
    await redis.start()
    expect(await ask(redis, 'GET greeting')).toBe('$-1\r\n')
  })

  it('with running: false picks the port and starts nothing until start()', async () => {
    const redis = await startRedis({ running: false })
    started.push(redis)
    expect(await ask(redis, 'PING')).toBe('ECONNREFUSED')
    await redis.start()
    expect(await ask(redis, 'PING')).toBe('+PONG\r\n')
  })

  it('fails at once with the install command when the program is missing', async () => {
    vi.stubEnv('REDIS_SERVER_PATH', '/nonexistent/redis-server')
    await expect(startRedis()).rejects.toThrow('/nonexistent/redis-server not found: apt-get install -y redis-server (or pnpm setup:system), or set REDIS_SERVER_PATH')
  })

  it('starts on another port when the one it picked was taken before redis-server bound it', async () => {
    const flaky = await flakyRedisServer(1)
    const redis = await startRedis()
    started.push(redis)
    const attempts = await flaky.attempts()
    expect(attempts).toHaveLength(2)
    expect(attempts[1]).toBe(String(redis.port))
    expect(await ask(redis, 'PING')).toBe('+PONG\r\n')
  })

  it('gives up after three ports that were all taken, with redis-server\'s error', async () => {
    const flaky = await flakyRedisServer(3)
    await expect(startRedis()).rejects.toThrow('bind: Address already in use')
    expect(await flaky.attempts()).toHaveLength(3)
  })

  it('does not retry a start that failed for another reason', async () => {
    const flaky = await flakyRedisServer(1, 'Permission denied')
    await expect(startRedis()).rejects.toThrow('bind: Permission denied')
    expect(await flaky.attempts()).toHaveLength(1)
  })
})
