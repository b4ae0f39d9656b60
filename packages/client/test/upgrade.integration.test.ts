import { describe, expect, it } from 'vitest'
import type { ClientEvents } from '../src/index'
import { next, received, sequence, useHarness, until } from './support/harness'

const harness = useHarness()

describe('upgrade from SSE back to WebSocket', () => {
  it('moves to WebSocket once it works; 1,000 messages streamed across the move arrive once, in order', { timeout: 60_000 }, async () => {
    const { server } = harness
    server.faults.refuseWebSocket = true
    // The background probe comes every 300-600 ms while on SSE.
    const client = harness.client({ upgradeDelay: { minMs: 600, maxMs: 600 } })
    client.connect()
    await client.ready(15_000)
    expect(client.getSnapshot().transport).toBe('sse')
    const channel = client.channel('leaderboard')
    const scores = received(channel, 'score')
    channel.subscribe()
    await next(channel.onState.bind(channel), (state) => state.status === 'subscribed')

    let n = 0
    let movedAt: number | undefined
    const moved = next<ClientEvents['transport']>((handler) => client.on('transport', handler), (event) => event.transport === 'websocket')
    void moved.then(() => (movedAt = n))
    // A steady stream (at most one message per millisecond) that the probe, the switch and the
    // resubscribe all happen in the middle of: WebSocket is let through only once UNBLOCK_AT messages
    // are out, and the stream goes on for AFTER_MOVE more once the client has moved, whatever the timing.
    const UNBLOCK_AT = 100
    const AFTER_MOVE = 100
    const deadline = Date.now() + 30_000
    while ((n < 1000 || movedAt === undefined || n < movedAt + AFTER_MOVE) && Date.now() < deadline) {
      await server.publish('leaderboard', 'score', { n: ++n })
      if (n === UNBLOCK_AT) server.faults.refuseWebSocket = false
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    expect(await moved).toEqual({ transport: 'websocket', prevTransport: 'sse' })
    expect(movedAt).toBeGreaterThanOrEqual(UNBLOCK_AT)
    expect(n).toBeGreaterThanOrEqual(movedAt! + AFTER_MOVE)
    await until(() => scores.length >= n, 30_000, `${n} messages`)
    expect(scores).toEqual(sequence(n))
    expect(server.clients.map((info) => info.transport)).toEqual(['websocket'])
  })
})
