import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ClientEvents } from '../src/index'
import { countingNetwork, next, received, sequence, startHarness, until, type Harness } from './support/harness'

let harness: Harness
beforeEach(async () => {
  harness = await startHarness()
})
afterEach(() => harness.close())

describe('upgrade from SSE back to WebSocket', () => {
  it('moves to WebSocket once it works; 1,000 messages streamed across the move arrive once, in order', { timeout: 60_000 }, async () => {
    const { server } = harness
    server.faults.refuseWebSocket = true
    const network = countingNetwork()
    const client = harness.client({ ...network, upgradeDelay: { minMs: 1000, maxMs: 1000 } })
    client.connect()
    await client.ready(15_000)
    expect(client.getSnapshot().transport).toBe('sse')
    const channel = client.channel('leaderboard')
    const scores = received(channel, 'score')
    channel.subscribe()
    await next(channel.onState.bind(channel), (state) => state.status === 'subscribed')
    await harness.server.publish('leaderboard', 'score', { n: 1 })

    let movedAt: number | undefined
    let n = 1
    const moved = next<ClientEvents['transport']>((handler) => client.on('transport', handler), (event) => event.transport === 'websocket')
    void moved.then(() => (movedAt = n))
    server.faults.refuseWebSocket = false
    // Stream from the moment the background probe opens its WebSocket, so messages are in flight
    // during the handshake, the switch and the resubscribe; at least 100 come after the switch.
    await until(() => network.opened.websocket === 2, 15_000, 'the background probe')
    while (n < 1000) {
      if (n === 900) await until(() => movedAt !== undefined, 30_000, 'the move to WebSocket')
      await server.publish('leaderboard', 'score', { n: ++n })
      if (n % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    expect(await moved).toEqual({ transport: 'websocket', prevTransport: 'sse' })
    expect(movedAt).toBeGreaterThan(2)
    await until(() => scores.length >= 1000, 30_000, '1,000 messages')
    expect(scores).toEqual(sequence(1000))
    expect(server.clients.map((info) => info.transport)).toEqual(['websocket'])
  })
})
