import { DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server/msw'
import { ws } from 'msw'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RealtimeClient, TokenReason } from '../index'
import { connectClient, mock, network, startMock, stopMock, token } from './support/mswNetwork'

// The client against the Lifeline MSW handlers in jsdom: every transport in-process.

/** Subscribes and collects the payloads of `event`, once the server confirmed the subscription. */
async function collect(client: RealtimeClient, channel: string, event: string): Promise<unknown[]> {
  const received: unknown[] = []
  client.channel(channel).on(event, (data) => received.push(data))
  client.channel(channel).subscribe()
  await vi.waitFor(() => expect(client.channel(channel).state.status).toBe('subscribed'))
  return received
}

afterEach(stopMock)

describe('RealtimeClient over the MSW handlers', () => {
  // sample: fake-timers
  it('reconnects after the server drops everyone and replays what it missed, once and in order', async () => {
    vi.useFakeTimers()
    startMock()
    const client = connectClient()
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    const received = await collect(client, 'leaderboard', 'score')
    const recovered = vi.fn()
    client.channel('leaderboard').onRecovered(recovered)
    await mock.publish('leaderboard', 'score', { n: 1 })
    await vi.waitFor(() => expect(received).toEqual([{ n: 1 }]))
    const statuses: string[] = []
    client.on('status', ({ status }) => statuses.push(status))

    mock.disconnectAll({ retryAfterMs: 1000 })
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('reconnecting'))
    for (let n = 2; n <= 4; n++) await mock.publish('leaderboard', 'score', { n })
    await vi.advanceTimersByTimeAsync(1000)

    await vi.waitFor(() => expect(received).toEqual([1, 2, 3, 4].map((n) => ({ n }))))
    expect(statuses).toEqual(['reconnecting', 'connected'])
    expect(recovered).toHaveBeenCalledTimes(1)
    expect(client.stats().reconnects).toBe(1)
  })
  // end sample

  it('waits for the retryAfterMs the server advised before reconnecting', async () => {
    vi.useFakeTimers()
    startMock()
    const client = connectClient()
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    mock.disconnectAll({ code: 4000, reason: 'maintenance', retryAfterMs: 60_000 })
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('reconnecting'))
    expect(client.getSnapshot().retryAt).toBeGreaterThanOrEqual(Date.now() + 60_000 - 1000)
    expect(mock.clients).toEqual([])
    await vi.advanceTimersByTimeAsync(60_000)
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    expect(mock.clients).toHaveLength(1)
  })

  it('queues a publish made while reconnecting and delivers it once after the reconnect', async () => {
    vi.useFakeTimers()
    startMock()
    const client = connectClient()
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    const received = await collect(client, 'board:1', 'card_moved')
    mock.disconnectAll({ retryAfterMs: 1000 })
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('reconnecting'))

    const published = client.channel('board:1').publish('card_moved', { card: 'c1', to: 'done' })
    await vi.advanceTimersByTimeAsync(1000)

    await expect(published).resolves.toMatchObject({ duplicate: false, position: { offset: 1 } })
    await vi.waitFor(() => expect(received).toEqual([{ card: 'c1', to: 'done' }]))
  })

  it('marks a channel the user may not read as failed with FORBIDDEN, and keeps the others', async () => {
    startMock()
    const client = connectClient({ sub: 'ada', roles: ['student'] })
    const states: string[] = []
    client.channel('dashboard').onState(({ status }) => states.push(status))
    client.channel('dashboard').subscribe()
    const scores = await collect(client, 'leaderboard', 'score')

    await vi.waitFor(() => expect(client.channel('dashboard').state.status).toBe('failed'))
    expect(states).toEqual(['subscribing', 'failed'])
    expect(client.channel('dashboard').state.error).toMatchObject({ code: 'FORBIDDEN', retryable: false })
    await mock.publish('leaderboard', 'score', { n: 1 })
    await vi.waitFor(() => expect(scores).toEqual([{ n: 1 }]))
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('gets a new token when the server expires it, and reconnects with it', async () => {
    startMock()
    const reasons: TokenReason[] = []
    const client = connectClient({
      getToken: ({ reason }) => {
        reasons.push(reason)
        return token('ada')
      },
      reconnectDelay: { minMs: 0, maxMs: 0 },
    })
    const [first] = await mock.connected()
    mock.expireTokens()
    await vi.waitFor(() => expect(mock.clients.map((info) => info.id)).toEqual([expect.not.stringMatching(first!.id)]))
    expect(reasons).toEqual(['connect', 'rejected'])
    expect(client.getSnapshot().status).toBe('connected')
  })

  it.each(['websocket', 'sse'] as const)('refreshes the token in-band before it expires, over %s, on the same session', async (transport) => {
    vi.useFakeTimers()
    // No heartbeats and no liveness pings in this window: over SSE a frame needs real I/O, which fake time jumps past.
    startMock({ heartbeatMs: 300_000 })
    const reasons: TokenReason[] = []
    // The refresh and its reply travel through real I/O (signing, fetch, the event stream): wait for
    // the reply itself, seen through the logger, rather than poll for it against a real-time budget.
    let refreshId: number | undefined
    let refreshed!: () => void
    const refreshReply = new Promise<void>((resolve) => (refreshed = resolve))
    const client = connectClient({
      transports: [transport],
      livenessMs: 600_000,
      getToken: ({ reason }) => {
        reasons.push(reason)
        return signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada', expiresInSeconds: 60 })
      },
      logger: (message, detail) => {
        const frame = detail as { type?: string; id?: number }
        if (message === 'out' && frame.type === 'refresh') refreshId = frame.id
        if (message === 'in' && frame.type === 'reply' && frame.id === refreshId) refreshed()
      },
    })
    const [session] = await mock.connected()
    await client.ready()

    await vi.advanceTimersByTimeAsync(50_000) // past the proactive refresh, at 80 % of the lifetime
    await refreshReply
    expect(reasons).toEqual(['connect', 'refresh'])
    await vi.advanceTimersByTimeAsync(20_000) // past the first token's expiry

    expect(mock.clients.map((info) => info.id)).toEqual([session!.id])
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport })
  })

  it('falls back to SSE when WebSocket is refused and the next client skips the known-blocked WebSocket', async () => {
    startMock()
    mock.faults.refuseWebSocket = true
    const storage = new Map<string, string>()
    const memory = { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value), removeItem: (key: string) => void storage.delete(key) }
    // The background probe (every 50-100 ms here) confirms the refusal before it is remembered.
    const first = connectClient({ storage: memory, upgradeDelay: { minMs: 100, maxMs: 100 } })
    await vi.waitFor(() => expect(first.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    await vi.waitFor(() => expect([...storage.keys()]).toEqual([`lifeline:websocket:${mock.url}`]))
    const received = await collect(first, 'board:1', 'card_moved')
    await expect(first.channel('board:1').publish('card_moved', { card: 'c1' })).resolves.toMatchObject({ duplicate: false })
    await vi.waitFor(() => expect(received).toEqual([{ card: 'c1' }]))

    first.disconnect()
    const webSocketAttempts = vi.fn()
    network.use(ws.link(`${mock.url.replace(/^http/, 'ws')}/ws`).addEventListener('connection', webSocketAttempts))
    const second = connectClient({ storage: memory })
    await vi.waitFor(() => expect(second.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' }))
    expect(webSocketAttempts).not.toHaveBeenCalled()
  })
})
