import { connect } from 'node:net'
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

const started: RedisServer[] = []
afterEach(async () => {
  vi.unstubAllEnvs()
  for (const redis of started.splice(0)) await redis.kill()
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
})
