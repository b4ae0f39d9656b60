import type { Publication } from '@lifeline/mock-server'
import { describe, expect, it } from 'vitest'
import type { RealtimeError } from '../src/index'
import { sequence, startHarness, until, useHarness } from './support/harness'

/** Enough concurrent upstream POSTs over SSE for HTTP requests to overtake each other. */
const COUNT = 300

// The flush is one burst of COUNT commands: lift the server's rate limit above it.
const harness = useHarness({ rateLimit: { perSecond: 1000, burst: COUNT * 2 } })

describe('publishing while offline', () => {
  it.each(['websocket', 'sse'] as const)('flushes publishes queued offline in order after reconnecting over %s; the server sees each once', { timeout: 30_000 }, async (transport) => {
    const seen: Publication[] = []
    await harness.server.engine.broker.subscribe('board:7', (publication) => seen.push(publication))
    const network = new EventTarget()
    const client = harness.client({ transports: [transport], lifecycleTarget: network, queueSize: COUNT })
    client.connect()
    await client.ready(15_000)
    // sample: offline-publish
    network.dispatchEvent(new Event('offline'))
    expect(client.getSnapshot().status).toBe('offline')
    const board = client.channel('board:7')
    const results = sequence(COUNT).map((n) => board.publish('card_moved', { n }))
    network.dispatchEvent(new Event('online'))
    const positions = (await Promise.all(results)).map((result) => result.position.offset)
    expect(positions).toEqual(sequence(COUNT))
    // end sample
    await until(() => seen.length >= COUNT, 10_000, 'the server to see every publish')
    expect(seen.map((publication) => (publication.data as { n: number }).n)).toEqual(sequence(COUNT))
  })
})

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: RealtimeError) => error.code)

describe('oversized publishes', () => {
  it.each(['websocket', 'sse'] as const)('over %s, one over maxFrameBytes rejects with FRAME_TOO_LARGE without being sent; the connection and the next publish are unharmed', { timeout: 30_000 }, async (transport) => {
    const seen: Publication[] = []
    await harness.server.engine.broker.subscribe('board:7', (publication) => seen.push(publication))
    const client = harness.client({ transports: [transport], queueTtlMs: 10_000 })
    client.connect()
    await client.ready(15_000)
    const board = client.channel('board:7')
    // Over four times the server's limit: sent, it would close a WebSocket with 1009 on every retry.
    expect(await codeOf(board.publish('card_moved', 'x'.repeat(300 * 1024)))).toBe('FRAME_TOO_LARGE')
    await expect(board.publish('card_moved', { n: 1 })).resolves.toMatchObject({ duplicate: false })
    await until(() => seen.length >= 1, 10_000, 'the server to see the small publish')
    expect(seen.map((publication) => publication.data)).toEqual([{ n: 1 }])
    expect(client.stats()).toMatchObject({ status: 'connected', transport, reconnects: 0 })
  })

  it.each(['websocket', 'sse'] as const)('over %s, one the server finds too large (its limit below the client\'s) rejects with the server\'s FRAME_TOO_LARGE reply, not at QUEUE_EXPIRED', { timeout: 30_000 }, async (transport) => {
    const strict = await startHarness({ maxFrameBytes: 1024 })
    try {
      const client = strict.client({ transports: [transport], queueTtlMs: 20_000 })
      client.connect()
      await client.ready(15_000)
      const board = client.channel('board:7')
      expect(await codeOf(board.publish('card_moved', 'x'.repeat(2000)))).toBe('FRAME_TOO_LARGE')
      await expect(board.publish('card_moved', { n: 1 })).resolves.toMatchObject({ duplicate: false })
      expect(client.stats()).toMatchObject({ status: 'connected', transport, reconnects: 0 })
    } finally {
      await strict.close()
    }
  })
})
