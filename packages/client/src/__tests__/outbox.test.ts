import { http, HttpResponse } from 'msw'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RealtimeError } from '../errors'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, SERVER_URL } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: RealtimeError) => error.code)

describe('publishing', () => {
  it('settles with the server reply', async () => {
    const { client } = testClient()
    client.connect()
    await settle()
    await expect(client.channel('board:1').publish('moved', { card: 'c1' })).resolves.toEqual({ position: { epoch: expect.any(String), offset: 1 }, duplicate: false })
  })

  it('rejects with the server error code (FORBIDDEN) and does not retry', async () => {
    // Only admins publish on the leaderboard.
    const { network, client } = testClient()
    client.connect()
    await settle()
    // sample: publish-refused
    await expect(client.channel('leaderboard').publish('score', 1)).rejects.toMatchObject({ name: 'RealtimeError', code: 'FORBIDDEN', retryable: false })
    // end sample
    expect(network.sent('publish')).toHaveLength(1)
  })

  it('retries a publish refused with UNAVAILABLE with the same idempotency key after retryAfterMs, until acknowledged', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    // The server refuses the first try (its broker is degraded) and advises waiting 2 s.
    network.refuse('publish', () => (network.sent('publish').length === 1 ? { code: 'UNAVAILABLE', message: 'broker degraded', retryAfterMs: 2000 } : undefined))
    const result = client.channel('board:1').publish('moved', 1)
    await settle(1999)
    expect(network.sent('publish')).toHaveLength(1)
    await settle(1)
    await expect(result).resolves.toMatchObject({ position: { offset: 1 }, duplicate: false })
    const [first, again] = network.sent('publish')
    expect(again!.key).toBe(first!.key)
    // Only the publish was retried: the connection stayed up.
    expect(network.sockets).toHaveLength(1)
  })

  it('rejects with QUEUE_EXPIRED, the last refusal as its cause, when retryable refusals outlast queueTtlMs', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 300, queueTtlMs: 1000 })
    client.connect()
    await settle()
    network.refuse('publish', () => ({ code: 'RATE_LIMITED', message: 'slow down' }))
    const result = client.channel('board:1').publish('moved', 1)
    const rejected = result.catch((error: RealtimeError) => error)
    await settle(1000)
    const error = await rejected
    expect(error).toMatchObject({ name: 'RealtimeError', code: 'QUEUE_EXPIRED', cause: { code: 'RATE_LIMITED' } })
    // Tried at 0, 300, 600 and 900 ms, then no more.
    expect(network.sent('publish')).toHaveLength(4)
    await settle(1000)
    expect(network.sent('publish')).toHaveLength(4)
  })

  it('rejects at once, without retrying, when the refusal is not retryable (BAD_REQUEST)', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    network.refuse('publish', () => ({ code: 'BAD_REQUEST', message: 'bad payload' }))
    await expect(client.channel('board:1').publish('moved', 1)).rejects.toMatchObject({ code: 'BAD_REQUEST', retryable: false })
    await settle(1000)
    expect(network.sent('publish')).toHaveLength(1)
  })

  it('queues publishes while disconnected and flushes them in order once connected', async () => {
    const { network, client } = testClient()
    const channel = client.channel('board:1')
    const results = [1, 2, 3].map((n) => channel.publish('moved', n))
    client.connect()
    await settle()
    expect((await Promise.all(results)).map((result) => result.position.offset)).toEqual([1, 2, 3])
    expect(network.sent('publish').map((command) => command.data)).toEqual([1, 2, 3])
  })

  it('sends a publish lost with its connection again with the same idempotency key', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    // The publish goes out on a socket that no longer passes anything, which then drops.
    network.mock.silenceWebSocketNow()
    const result = client.channel('board:1').publish('moved', 1)
    await settle()
    network.socket.drop()
    await settle(100)
    await expect(result).resolves.toMatchObject({ duplicate: false })
    const [first, again] = network.sent('publish')
    expect(again!.key).toBe(first!.key)
  })

  it('rejects with QUEUE_FULL beyond queueSize', async () => {
    const { client } = testClient({ queueSize: 2 })
    const channel = client.channel('board:1')
    const outcomes = [1, 2, 3].map((n) => codeOf(channel.publish('moved', n)))
    expect(await outcomes[2]).toBe('QUEUE_FULL')
    client.connect()
    await settle()
    expect(await Promise.all(outcomes)).toEqual(['resolved', 'resolved', 'QUEUE_FULL'])
  })

  it('rejects with QUEUE_EXPIRED when not acknowledged within queueTtlMs, and frees the slot', async () => {
    const { client } = testClient({ queueSize: 1, queueTtlMs: 1000 })
    const channel = client.channel('board:1')
    const first = codeOf(channel.publish('moved', 1))
    await settle(1000)
    expect(await first).toBe('QUEUE_EXPIRED')
    const second = codeOf(channel.publish('moved', 2))
    client.connect()
    await settle()
    expect(await second).toBe('resolved')
  })

  it('rejects a publish over maxFrameBytes with FRAME_TOO_LARGE at once, without sending or queueing it', async () => {
    const { network, client } = testClient({ maxFrameBytes: 1024, queueSize: 1 })
    client.connect()
    await settle()
    const channel = client.channel('board:1')
    // 400 three-byte characters: under the limit in UTF-16 units, over it in UTF-8 bytes.
    await expect(channel.publish('moved', '€'.repeat(400))).rejects.toMatchObject({ name: 'RealtimeError', code: 'FRAME_TOO_LARGE', retryable: false })
    await expect(channel.publish('moved', 'x'.repeat(900))).resolves.toMatchObject({ duplicate: false })
    expect(network.sent('publish').map((command) => command.data)).toEqual(['x'.repeat(900)])
  })

  it('rejects waiting publishes with CLIENT_CLOSED on disconnect()', async () => {
    const { network, client } = testClient()
    network.mock.faults.refuseWebSocket = true
    client.connect()
    const outcome = codeOf(client.channel('board:1').publish('moved', 1))
    await settle()
    client.disconnect()
    expect(await outcome).toBe('CLIENT_CLOSED')
  })

  it('reconnects when the server no longer knows the SSE session, and the publish goes out on the new one', async () => {
    const { network, client } = testClient({ transports: ['sse'], reconnectDelay: () => 100 })
    client.connect()
    // Over HTTP some steps take real I/O (signing the ticket): wait for them instead of stepping time.
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    // The next upstream POST reaches a replica that does not know the session, as a load balancer without sticky sessions would send it.
    network.use(http.post(`${SERVER_URL}/sse/send`, () => HttpResponse.json({ error: { code: 'SESSION_NOT_FOUND', message: 'unknown session' } }, { status: 404 }), { once: true }))
    const result = client.channel('board:1').publish('moved', 1)
    await vi.waitFor(() => expect(network.requests.filter((request) => request === 'GET /sse')).toHaveLength(2))
    await expect(result).resolves.toMatchObject({ duplicate: false })
    // The first stream was closed: one session is left on the server.
    await vi.waitFor(() => expect(network.mock.clients.map((info) => info.transport)).toEqual(['sse']))
  })

  it('sends publishes whose replies were lost with the connection again, in order, and each reaches subscribers once', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    const channel = client.channel('board:1')
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    channel.subscribe()
    await settle()
    // The server accepts the three publishes, but its frames (replies, messages) are held back and then lost.
    network.mock.faults.webSocketDelayMs = 1000
    const results = [1, 2, 3].map((n) => channel.publish('moved', n))
    await settle(500)
    network.socket.drop()
    network.mock.faults.webSocketDelayMs = 0
    await settle(100)
    expect(await Promise.all(results)).toEqual([1, 2, 3].map((offset) => ({ position: expect.objectContaining({ offset }), duplicate: true })))
    expect(network.sent('publish').map((command) => command.data)).toEqual([1, 2, 3, 1, 2, 3])
    expect(network.sent('publish').slice(3).map((command) => command.key)).toEqual(network.sent('publish').slice(0, 3).map((command) => command.key))
    await channel.publish('moved', 4)
    await settle()
    expect(seen).toEqual([1, 2, 3, 4])
  })

  it('keeps the order of queued publishes when the app publishes while the new connection is being set up', async () => {
    const { network, client } = testClient()
    const channel = client.channel('board:1')
    channel.subscribe()
    const results = [1, 2].map((n) => channel.publish('moved', n))
    // The app publishes when its channel starts subscribing: on the new connection, before the queue went out.
    const stop = channel.onState(({ status }) => status === 'subscribing' && (stop(), results.push(channel.publish('moved', 3))))
    client.connect()
    await settle()
    expect((await Promise.all(results)).map((result) => result.position.offset)).toEqual([1, 2, 3])
    expect(network.sent('publish').map((command) => command.data)).toEqual([1, 2, 3])
  })

  it('sends publishes refused together (a rate limit) again together, in the order they were made', async () => {
    // Jittered waits: each draw differs, so separate waits would end in any order.
    const draws = [0.9, 0.1, 0.7, 0.3, 0.5]
    let draw = 0
    const { network, client } = testClient({ random: () => draws[draw++ % draws.length]!, reconnectDelay: { minMs: 1000, maxMs: 1000 } })
    client.connect()
    await settle()
    // The server's limit lets the first publish through and refuses the four after it once.
    network.refuse('publish', () => (network.sent('publish').length > 1 && network.sent('publish').length <= 5 ? { code: 'RATE_LIMITED', message: 'Too many commands' } : undefined))
    const channel = client.channel('board:1')
    const results = [1, 2, 3, 4, 5].map((n) => channel.publish('moved', n))
    await settle(1000)
    expect((await Promise.all(results)).map((result) => result.position.offset)).toEqual([1, 2, 3, 4, 5])
    expect(network.sent('publish').map((command) => command.data)).toEqual([1, 2, 3, 4, 5, 2, 3, 4, 5])
  })
})
