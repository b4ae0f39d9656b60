import { describe, expect, it } from 'vitest'
import { next, startHarness, until, useHarness } from './support/harness'

const harness = useHarness()

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

  it.each(['websocket', 'sse'] as const)('over %s, subscribes refused with RATE_LIMITED are retried after the advised wait until every channel is subscribed', { timeout: 60_000 }, async (transport) => {
    const strict = await startHarness({ rateLimit: { perSecond: 20, burst: 4 } })
    try {
      const client = strict.client({ transports: [transport], reconnectDelay: { minMs: 50, maxMs: 500 } })
      client.connect()
      await client.ready(15_000)
      const names = Array.from({ length: 12 }, (_, index) => `board:${index}`)
      const refused: string[] = []
      const channels = names.map((name) => client.channel(name))
      for (const channel of channels) {
        channel.onState((state) => state.error && refused.push(state.error.code))
        channel.subscribe()
      }
      await until(() => channels.every((channel) => channel.state.status !== 'subscribing'), 30_000, 'every channel to settle')
      expect(channels.map((channel) => channel.state)).toEqual(names.map(() => ({ status: 'subscribed', error: undefined })))
      // The burst was too small for twelve subscribes at once: the server did refuse some.
      expect(refused).toContain('RATE_LIMITED')
      const received: number[] = []
      channels.at(-1)!.on('score', (data) => received.push((data as { n: number }).n))
      await strict.server.publish(names.at(-1)!, 'score', { n: 1 })
      await expect.poll(() => received).toEqual([1])
    } finally {
      await strict.close()
    }
  })
})
