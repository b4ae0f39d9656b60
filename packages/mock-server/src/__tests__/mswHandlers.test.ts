import type { RealtimeClient, TokenReason, TransportName } from '@lifeline/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryBroker } from '../msw/index'
import { startMsw, type MswHarness } from './support/mswHarness'

let harness: MswHarness
afterEach(() => harness.close())

const WAIT = { timeout: 15_000 }

async function subscribeTo(client: RealtimeClient, name: string, event: string): Promise<unknown[]> {
  const received: unknown[] = []
  const channel = client.channel(name)
  channel.on(event, (data) => received.push(data))
  channel.subscribe()
  await expect.poll(() => channel.state.status, WAIT).toBe('subscribed')
  return received
}

describe('MSW handlers with the real RealtimeClient', () => {
  it('connects over WebSocket and delivers channel messages once, in order', async () => {
    harness = startMsw()
    const client = harness.client()
    client.connect()
    await client.ready(10_000)
    expect(client.getSnapshot().transport).toBe('websocket')
    const received = await subscribeTo(client, 'leaderboard', 'score')
    for (let n = 1; n <= 5; n++) await harness.mock.publish('leaderboard', 'score', { n })
    await expect.poll(() => received, WAIT).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })))
    expect(harness.mock.clients).toMatchObject([{ transport: 'websocket', user: 'ada', channels: ['leaderboard'] }])
  })

  it('settles a publish with the server reply and delivers it to every subscriber', async () => {
    harness = startMsw()
    const ada = harness.client({ sub: 'ada' })
    const bob = harness.client({ sub: 'bob' })
    ada.connect()
    bob.connect()
    await harness.mock.connected({ count: 2 })
    const toAda = await subscribeTo(ada, 'board:1', 'card_moved')
    const toBob = await subscribeTo(bob, 'board:1', 'card_moved')
    const result = await ada.channel('board:1').publish('card_moved', { card: 'c1', to: 'done' })
    expect(result).toMatchObject({ duplicate: false, position: { offset: 1 } })
    await expect.poll(() => [toAda, toBob], WAIT).toEqual([[{ card: 'c1', to: 'done' }], [{ card: 'c1', to: 'done' }]])
  })

  it('falls back to SSE when WebSocket is refused, and publishes through upstream POSTs', async () => {
    harness = startMsw()
    harness.mock.faults.refuseWebSocket = true
    const client = harness.client()
    client.connect()
    await client.ready(10_000)
    expect(client.getSnapshot().transport).toBe('sse')
    expect(harness.mock.clients).toMatchObject([{ transport: 'sse' }])
    const received = await subscribeTo(client, 'board:1', 'card_moved')
    for (let n = 1; n <= 3; n++) await harness.mock.publish('board:1', 'card_moved', { n })
    const result = await client.channel('board:1').publish('card_moved', { n: 4 })
    expect(result).toMatchObject({ duplicate: false, position: { offset: 4 } })
    await expect.poll(() => received, WAIT).toEqual([1, 2, 3, 4].map((n) => ({ n })))
  })

  it('falls back to SSE when the WebSocket opens but stays silent', async () => {
    harness = startMsw()
    harness.mock.faults.silenceWebSocket = true
    const client = harness.client({ connectTimeoutMs: 300 })
    client.connect()
    await client.ready(10_000)
    expect(client.getSnapshot().transport).toBe('sse')
  })

  it('moves back to WebSocket once it works again, without losing or repeating a message', async () => {
    harness = startMsw()
    harness.mock.faults.refuseWebSocket = true
    const client = harness.client({ upgradeDelay: { minMs: 50, maxMs: 100 } })
    client.connect()
    await client.ready(10_000)
    const received = await subscribeTo(client, 'leaderboard', 'score')
    await harness.mock.publish('leaderboard', 'score', { n: 1 })
    await expect.poll(() => received, WAIT).toEqual([{ n: 1 }])
    harness.mock.faults.refuseWebSocket = false
    await expect.poll(() => client.getSnapshot().transport, WAIT).toBe('websocket')
    await expect.poll(() => harness.mock.clients.map((info) => info.transport), WAIT).toEqual(['websocket'])
    await harness.mock.publish('leaderboard', 'score', { n: 2 })
    await expect.poll(() => received, WAIT).toEqual([{ n: 1 }, { n: 2 }])
  })

  it.each<TransportName>(['websocket', 'sse'])('refreshes a short-lived token in-band over %s, on the same session', async (transport) => {
    harness = startMsw()
    const reasons: TokenReason[] = []
    const client = harness.client({
      transports: [transport],
      getToken: ({ reason }) => {
        reasons.push(reason)
        return harness.token('ada', { expiresInSeconds: 2 })
      },
    })
    client.connect()
    await client.ready(10_000)
    const [session] = await harness.mock.connected()
    // A second refresh is scheduled only from an accepted one, after the first token has expired.
    await expect.poll(() => reasons, WAIT).toEqual(['connect', 'refresh', 'refresh'])
    expect(harness.mock.clients.map((info) => info.id)).toEqual([session!.id])
    expect(client.stats().reconnects).toBe(0)
  })

  it('reconnects after disconnectAll and recovers what was published meanwhile, once each', async () => {
    harness = startMsw()
    const client = harness.client()
    client.connect()
    await client.ready(10_000)
    const received = await subscribeTo(client, 'leaderboard', 'score')
    const recovered = vi.fn()
    client.channel('leaderboard').onRecovered(recovered)
    await harness.mock.publish('leaderboard', 'score', { n: 1 })
    await expect.poll(() => received, WAIT).toEqual([{ n: 1 }])
    const [before] = harness.mock.clients
    harness.mock.disconnectAll({ retryAfterMs: 50 })
    for (let n = 2; n <= 4; n++) await harness.mock.publish('leaderboard', 'score', { n })
    await expect.poll(() => harness.mock.clients.filter((info) => info.id !== before!.id).length, WAIT).toBe(1)
    await expect.poll(() => received, WAIT).toEqual([1, 2, 3, 4].map((n) => ({ n })))
    expect(recovered).toHaveBeenCalledWith({ epoch: expect.any(String), offset: 1 })
  })

  it('reports a gap when the history no longer holds what was missed', async () => {
    harness = startMsw({ broker: new MemoryBroker({ historySize: 2 }) })
    const client = harness.client()
    client.connect()
    await client.ready(10_000)
    const received = await subscribeTo(client, 'leaderboard', 'score')
    const gap = vi.fn()
    client.channel('leaderboard').onGap(gap)
    await harness.mock.publish('leaderboard', 'score', { n: 1 })
    await expect.poll(() => received, WAIT).toEqual([{ n: 1 }])
    harness.mock.disconnectAll({ retryAfterMs: 50 })
    for (let n = 2; n <= 5; n++) await harness.mock.publish('leaderboard', 'score', { n })
    await expect.poll(() => gap.mock.calls.length, WAIT).toBe(1)
    await harness.mock.publish('leaderboard', 'score', { n: 6 })
    await expect.poll(() => received, WAIT).toEqual([{ n: 1 }, { n: 6 }])
  })

  it('holds SSE writes back by faults.sseDelayMs', async () => {
    harness = startMsw()
    const client = harness.client({ transports: ['sse'] })
    client.connect()
    await client.ready(10_000)
    const received = await subscribeTo(client, 'leaderboard', 'score')
    vi.useFakeTimers()
    try {
      harness.mock.faults.sseDelayMs = 5000
      await harness.mock.publish('leaderboard', 'score', { n: 1 })
      await vi.advanceTimersByTimeAsync(4999)
      expect(received).toEqual([])
      await vi.advanceTimersByTimeAsync(1)
      await vi.waitFor(() => expect(received).toEqual([{ n: 1 }]))
    } finally {
      vi.useRealTimers()
    }
  })

  it('refuses new SSE streams while faults.dropSse is on', async () => {
    harness = startMsw()
    harness.mock.faults.refuseWebSocket = true
    harness.mock.faults.dropSse = true
    // Long-polling down too, or the client would settle there.
    harness.mock.faults.dropPoll = true
    const client = harness.client({ reconnectDelay: { minMs: 50, maxMs: 100 } })
    const errors: string[] = []
    client.on('error', (error) => errors.push(error.code))
    client.connect()
    await expect.poll(() => errors.length, WAIT).toBeGreaterThanOrEqual(2)
    expect(client.getSnapshot().status).toBe('reconnecting')
    expect(harness.mock.clients).toEqual([])
    harness.mock.faults.dropSse = false
    await client.ready(10_000)
    expect(client.getSnapshot().transport).toBe('sse')
  })

  it('refuses a channel the token may not read, and the channel shows it failed', async () => {
    harness = startMsw()
    const client = harness.client({ sub: 'ada' })
    client.connect()
    await client.ready(10_000)
    const channel = client.channel('user:bob')
    channel.subscribe()
    await expect.poll(() => channel.state.status, WAIT).toBe('failed')
    expect(channel.state.error?.code).toBe('FORBIDDEN')
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('forgets an SSE session when the client closes its EventSource', async () => {
    harness = startMsw()
    const client = harness.client({ transports: ['sse'] })
    client.connect()
    await harness.mock.connected()
    client.disconnect()
    await expect.poll(() => harness.mock.clients, WAIT).toEqual([])
  })

  it('serves the publish API, health and metrics like the Node server', async () => {
    harness = startMsw({ apiKey: 'key' })
    const publish = await fetch(`${harness.mock.url}/publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer key', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'leaderboard', event: 'score', data: { n: 1 } }),
    })
    expect(publish.status).toBe(200)
    expect(await publish.json()).toMatchObject({ duplicate: false, position: { offset: 1 } })
    const refused = await fetch(`${harness.mock.url}/publish`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '{}' })
    expect(refused.status).toBe(401)
    expect((await fetch(`${harness.mock.url}/healthz`)).status).toBe(200)
    expect(await (await fetch(`${harness.mock.url}/metrics`)).text()).toContain('lifeline_connections{transport="websocket"} 0')
  })

  it('disconnects everyone on close and refuses them afterwards', async () => {
    harness = startMsw()
    const client = harness.client()
    const errors: string[] = []
    client.on('error', (error) => errors.push(error.code))
    client.connect()
    await client.ready(10_000)
    await harness.mock.close()
    await expect.poll(() => client.getSnapshot().status, WAIT).toBe('reconnecting')
    expect(harness.mock.clients).toEqual([])
    // Reconnect attempts now fail on every transport: nothing answers any more.
    const before = errors.length
    await expect.poll(() => errors.length - before, WAIT).toBeGreaterThanOrEqual(2)
    expect(client.getSnapshot().status).not.toBe('connected')
  })
})
