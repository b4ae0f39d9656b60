import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { bothTransports, NO_PROBE, sessionsOf } from './support/bothTransports'
import { settle, useFakeTime } from './support/testClient'
import { closeNetwork } from './support/testNetwork'

// Over SSE a step takes real I/O (the ticket is signed, the stream read through fetch): those
// steps are awaited with vi.waitFor, which moves fake time on while it polls.

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

describe('choosing a transport', () => {
  it('falls back to SSE at once when the upgrade is refused, and says so', async () => {
    const { network, client, errors, diagnoses } = bothTransports(NO_PROBE)
    network.mock.faults.refuseWebSocket = true
    const transports: string[] = []
    client.on('transport', ({ transport }) => transports.push(transport))
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    expect(transports).toEqual(['sse'])
    expect(errors).toEqual(['UPGRADE_REFUSED'])
    expect(diagnoses).toEqual(['UPGRADE_REFUSED'])
  })

  it('starts SSE beside a WebSocket that has not completed its handshake after fallbackAfterMs, and keeps the first to complete', async () => {
    const setup = bothTransports({ fallbackAfterMs: 1000, ...NO_PROBE })
    const { network, client, errors, diagnoses } = setup
    // The upgrade goes through, then nothing comes back.
    network.mock.faults.silenceWebSocket = true
    client.connect()
    await settle(999)
    expect(network.requests).toEqual([])
    await settle(1)
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: undefined }))
    // The WebSocket keeps its chance until connectTimeoutMs; then the client knows why it is on SSE.
    expect(network.sockets[0]!.open).toBe(true)
    await settle(4000)
    expect(network.sockets[0]!.open).toBe(false)
    expect(sessionsOf(setup)).toEqual(['sse'])
    expect(client.getSnapshot()).toMatchObject({ transport: 'sse', diagnosis: 'WEBSOCKET_SILENT' })
    expect(errors).toEqual(['WEBSOCKET_SILENT'])
    expect(diagnoses).toEqual(['WEBSOCKET_SILENT'])
  })

  it('moves to the WebSocket when it completes its handshake after SSE won the race', async () => {
    const setup = bothTransports(NO_PROBE)
    const { network, client, errors } = setup
    // A slow network, not a silent proxy: the connect reply comes 3 s after the connect.
    network.mock.faults.webSocketDelayMs = 3000
    const transports: string[] = []
    client.on('transport', ({ transport }) => transports.push(transport))
    const start = Date.now()
    client.connect()
    await settle(1000)
    await vi.waitFor(() => expect(client.getSnapshot().transport).toBe('sse'))
    await settle(start + 3000 - Date.now())
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined }))
    expect(transports).toEqual(['sse', 'websocket'])
    network.mock.faults.webSocketDelayMs = 0
    // The client closed the event stream it no longer needs: the server holds only the WebSocket's session.
    await vi.waitFor(() => expect(sessionsOf(setup)).toEqual(['websocket']))
    expect(network.requests).toEqual(['POST /sse/ticket', 'GET /sse'])
    expect(errors).toEqual([])
  })

  it('keeps one connection when the WebSocket completes just as SSE starts: SSE is closed in its handshake, connected is reported once', async () => {
    const setup = bothTransports({ fallbackAfterMs: 1000, ...NO_PROBE })
    const { network, client, errors } = setup
    // The connect reply arrives at the very moment SSE is started beside it.
    network.mock.faults.webSocketDelayMs = 1000
    const statuses: string[] = []
    const transports: string[] = []
    client.on('status', ({ status }) => statuses.push(status))
    client.on('transport', ({ transport }) => transports.push(transport))
    client.connect()
    await settle(1000)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket' })
    network.mock.faults.webSocketDelayMs = 0
    await settle(10_000)
    await vi.waitFor(() => expect(sessionsOf(setup)).toEqual(['websocket']))
    // SSE was started (its ticket asked for), and closed: the server holds the WebSocket's session only.
    expect(network.requests[0]).toBe('POST /sse/ticket')
    expect(statuses).toEqual(['connecting', 'connected'])
    expect(transports).toEqual(['websocket'])
    expect(errors).toEqual([])
    expect(vi.getTimerCount()).toBeGreaterThan(0)
    client.disconnect()
    await settle()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('moves to the WebSocket while publishes on SSE wait for their replies: each resolves once, every message arrives once, in order, and nothing is "recovered"', async () => {
    const setup = bothTransports({ upgradeDelay: { minMs: 4000, maxMs: 4000 } })
    const { network, client } = setup
    network.mock.faults.refuseWebSocket = true
    client.connect()
    // The probe made at once fails too, and SSE answers the ping that confirms it.
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    const probedAt = Date.now()
    const channel = client.channel('board:1')
    const received: number[] = []
    const recovered: unknown[] = []
    channel.on('n', (n) => received.push(n as number))
    channel.onRecovered((position) => recovered.push(position))
    channel.subscribe()
    await vi.waitFor(() => expect(channel.state.status).toBe('subscribed'))
    network.mock.faults.refuseWebSocket = false
    // The server takes the publishes, but the stream holds back their replies and messages.
    network.mock.faults.sseDelayMs = 600_000
    const publishes = [1, 2, 3].map((n) => channel.publish('n', n))
    // The ping, the subscribe and the three publishes.
    await vi.waitFor(() => expect(network.requests.filter((request) => request === 'POST /sse/send')).toHaveLength(5))
    expect(received).toEqual([])
    // The next probe (3 s after the first, random() at 0.5) takes over with the three unanswered.
    await settle(probedAt + 3000 - Date.now())
    expect(client.getSnapshot().transport).toBe('websocket')
    const results = await Promise.all([...publishes, channel.publish('n', 4)])
    // Sent again on the WebSocket with the same keys: the server answers with the positions it gave them.
    expect(network.sent('publish').map((command) => command.data)).toEqual([1, 2, 3, 4])
    expect(results.map((result) => [result.position.offset, result.duplicate])).toEqual([[1, true], [2, true], [3, true], [4, false]])
    await settle()
    expect(received).toEqual([1, 2, 3, 4])
    expect(sessionsOf(setup)).toEqual(['websocket'])
    // The move replaced a live subscription: the app hears `transport`, not `recovered`.
    expect(recovered).toEqual([])
  })
})
