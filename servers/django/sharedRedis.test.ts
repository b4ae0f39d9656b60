import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createServer, signToken, type MockServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { WsClient, closeOpened, resultOf } from '@lifeline/testkit/raw'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
/** Both servers' default development secret. */
const SECRET = 'lifeline-dev-secret'
/** Longest wait for daphne to say where it listens. */
const START_TIMEOUT_MS = 30_000

/** The Django example project under daphne on a free port, on `redisUrl`; stopped by its pid. */
async function startDjango(redisUrl: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn('/usr/bin/python3', ['-m', 'daphne', '-b', '127.0.0.1', '-p', '0', 'example_project.asgi:application'], {
    cwd: `${here}example`,
    env: { ...process.env, REDIS_URL: redisUrl, PYTHONPATH: `${here}:${here}example`, DJANGO_SETTINGS_MODULE: 'example_project.settings' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daphne did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS)
    const read = (chunk: Buffer) => {
      output += chunk
      const found = /Listening on TCP address 127\.0\.0\.1:(\d+)/.exec(output)
      if (found) {
        clearTimeout(timer)
        resolve(found[1]!)
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`daphne exited with ${code}:\n${output}`)))
  })
  return { url: `http://127.0.0.1:${port}`, process: child }
}

async function connect(server: { url: string }, sub: string): Promise<WsClient> {
  return WsClient.connect(server, await signToken({ secret: SECRET, sub }))
}

// The two backends keep one Redis layout for channels and presence (the same Lua scripts, keys and
// fan-out payloads), so a mock server and a Django process on one Redis serve the same channels.
describe('a mock server and a Django process on one Redis', () => {
  let redis: RedisServer
  let broker: RedisBroker
  let mock: MockServer
  let django: { url: string; process: ChildProcess }

  beforeAll(async () => {
    redis = await startRedis()
    broker = new RedisBroker({ url: redis.url, log: () => {} })
    await broker.ready()
    mock = await createServer({ port: 0, broker, jwtSecret: SECRET })
    django = await startDjango(redis.url)
  }, 60_000)

  afterAll(async () => {
    closeOpened()
    await mock?.close()
    await broker?.close()
    if (django && django.process.exitCode === null) {
      const exited = once(django.process, 'exit')
      django.process.kill('SIGTERM')
      await exited
    }
    await redis?.kill()
  })

  it('share positions, live messages with their meta, and history', async () => {
    const channel = `board:shared-${Date.now()}`
    const onMock = await connect(mock, 'ada')
    const onDjango = await connect(django, 'bob')
    expect(await onMock.command('subscribe', { channel })).toMatchObject({ ok: true })
    expect(await onDjango.command('subscribe', { channel })).toMatchObject({ ok: true })

    const fromDjango = resultOf<{ position: { offset: number } }>(await onDjango.command('publish', { channel, event: 'e', data: { from: 'django' }, key: 'k-1' }))
    const fromMock = resultOf<{ position: { offset: number } }>(await onMock.command('publish', { channel, event: 'e', data: { from: 'mock' }, key: 'k-1' }))
    expect([fromDjango.position.offset, fromMock.position.offset]).toEqual([1, 2])
    // Idempotency keys are one per publisher across both: bob's retry through the mock server is
    // the message he published through Django, not a third one.
    const bobOnMock = await connect(mock, 'bob')
    const retried = await bobOnMock.command('publish', { channel, event: 'e', data: { from: 'django' }, key: 'k-1' })
    expect(retried).toMatchObject({ ok: true, result: { position: { offset: 1 }, duplicate: true } })

    const seenOnMock = await onMock.messagesOf(channel, 2)
    const seenOnDjango = await onDjango.messagesOf(channel, 2)
    expect(seenOnDjango).toEqual(seenOnMock)
    expect(seenOnMock.map((message) => [message.data, message.meta?.publisher])).toEqual([
      [{ from: 'django' }, 'bob'],
      [{ from: 'mock' }, 'ada'],
    ])

    // Each replays what the other stored, with the same meta.
    for (const server of [mock, django]) {
      const late = await connect(server, 'cy')
      expect(await late.command('subscribe', { channel, rewind: 5 })).toMatchObject({ ok: true, result: { recovered: true } })
      expect(await late.messagesOf(channel, 2)).toEqual(seenOnMock)
    }
  })

  it('share presence: a join on one is in the snapshot and the frames of the other', async () => {
    const channel = `board:presence-${Date.now()}`
    const onMock = await connect(mock, 'ada')
    expect(await onMock.command('subscribe', { channel, presence: { data: { on: 'mock' } } })).toMatchObject({ ok: true })
    const onDjango = await connect(django, 'bob')
    const reply = await onDjango.command('subscribe', { channel, presence: {} })
    const members = resultOf<{ presence: { sub: string }[] }>(reply).presence
    // Members come in Redis' hash order: compare them by user.
    expect([...members].sort((a, b) => a.sub.localeCompare(b.sub))).toEqual([
      { sub: 'ada', connections: 1, data: { on: 'mock' } },
      { sub: 'bob', connections: 1 },
    ])
    const joined = await onMock.frame((frame) => frame.type === 'presence', 'a presence frame')
    expect(joined).toEqual({ type: 'presence', channel, action: 'join', member: { sub: 'bob', connections: 1 } })
  })
})
