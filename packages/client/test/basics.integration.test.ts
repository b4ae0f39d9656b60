import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHarness, next, type Harness } from './support/harness'

let harness: Harness
beforeEach(async () => {
  harness = await startHarness()
})
afterEach(() => harness.close())

describe('RealtimeClient against the mock server', () => {
  it('connects over WebSocket and receives channel messages in order', async () => {
    const client = harness.client()
    client.connect()
    await client.ready(5000)
    expect(client.getSnapshot().transport).toBe('websocket')
    const channel = client.channel('leaderboard')
    const received: number[] = []
    channel.on('score', (data) => received.push((data as { n: number }).n))
    channel.subscribe()
    await next(channel.onState.bind(channel), (state) => state.status === 'subscribed')
    for (let n = 1; n <= 5; n++) await harness.server.publish('leaderboard', 'score', { n })
    await expect.poll(() => received).toEqual([1, 2, 3, 4, 5])
  })

  it('falls back to SSE when the WebSocket upgrade is refused, and publishes there', async () => {
    harness.server.faults.refuseWebSocket = true
    const client = harness.client()
    client.connect()
    await client.ready(5000)
    expect(client.getSnapshot().transport).toBe('sse')
    const channel = client.channel('board:1')
    const moves: unknown[] = []
    channel.on('card_moved', (data) => moves.push(data))
    channel.subscribe()
    const result = await channel.publish('card_moved', { card: 'c1', to: 'done' })
    expect(result.duplicate).toBe(false)
    await expect.poll(() => moves).toEqual([{ card: 'c1', to: 'done' }])
  })
})
