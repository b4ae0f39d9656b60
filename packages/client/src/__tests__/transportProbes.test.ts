import { http, HttpResponse } from 'msw'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { transportMemory } from '../transportMemory'
import { bothTransports, NO_PROBE, sessionsOf } from './support/bothTransports'
import { memoryStorage } from './support/memoryStorage'
import { ScriptedWebSocket } from './support/scriptedWebSocket'
import { settle, useFakeTime } from './support/testClient'
import { closeNetwork, SERVER_URL } from './support/testNetwork'

// Over SSE a step takes real I/O (the ticket is signed, the stream read through fetch): those
// steps are awaited with vi.waitFor, which moves fake time on while it polls.

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

describe('remembering, probing and giving up on transports', () => {
  it('remembers a refused WebSocket only once a probe from SSE confirms it, says why only then, and the next page load skips it', async () => {
    const storage = memoryStorage()
    const first = bothTransports({ storage, upgradeDelay: { minMs: 10_000, maxMs: 10_000 } })
    const { network, client, diagnoses, errors } = first
    network.mock.faults.refuseWebSocket = true
    client.connect()
    // A server coming back between the two racers' starts looks the same as a refusal, so SSE is
    // adopted without a diagnosis, and WebSocket is probed at once: it fails again, SSE answers a ping.
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    expect(network.sockets).toHaveLength(2)
    expect([...storage.items.keys()]).toEqual(['lifeline:websocket:https://rt.example.com'])
    expect(diagnoses).toEqual(['UPGRADE_REFUSED'])
    expect(errors).toEqual(['UPGRADE_REFUSED'])
    client.disconnect()

    const second = bothTransports({ storage, ...NO_PROBE })
    second.client.connect()
    await vi.waitFor(() => expect(second.client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    expect(network.sockets).toHaveLength(2)
  })

  it('neither remembers nor reports WebSocket after a blip only it ran into (a server back between the racers): the probe made at once brings the client back', async () => {
    const storage = memoryStorage()
    const { network, client, diagnoses, errors } = bothTransports({ storage })
    const transports: string[] = []
    client.on('transport', ({ transport }) => {
      transports.push(transport)
      network.mock.faults.refuseWebSocket = false
    })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    // No settling: the default upgradeDelay (2.5-5 s) is not waited out.
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined }), { timeout: 5000 })
    expect(transports).toEqual(['sse', 'websocket'])
    expect(diagnoses).toEqual([])
    expect(errors).toEqual([])
    expect(storage.items.size).toBe(0)
  })

  it('still tries WebSocket, last, when the origin is remembered as blocked but SSE fails', async () => {
    const storage = memoryStorage()
    transportMemory('https://rt.example.com', 60_000, Date.now, storage).remember('websocket', 'UPGRADE_REFUSED')
    const setup = bothTransports({ storage })
    const { network, client } = setup
    network.mock.faults.dropSse = true
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined }))
    expect(sessionsOf(setup)).toEqual(['websocket'])
    expect(storage.items.size).toBe(0)
  })

  it('probes the first transport on a jittered delay that doubles up to upgradeDelay.maxMs, and moves over when it works', async () => {
    const setup = bothTransports({ upgradeDelay: { minMs: 4000, maxMs: 16_000 } })
    const { network, client } = setup
    network.mock.faults.refuseWebSocket = true
    client.connect()
    // The first probe, made at once, has confirmed the refusal.
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    const probesAt: number[] = []
    const start = Date.now()
    for (let step = 0; step < 120 && probesAt.length < 5; step++) {
      const before = network.sockets.length
      await settle(500)
      if (network.sockets.length > before) probesAt.push(Date.now() - start)
    }
    // Then 3/4 of 4, 8, 16, 16, 16 s after each probe's start.
    expect(probesAt).toEqual([3000, 9000, 21_000, 33_000, 45_000])
    network.mock.faults.refuseWebSocket = false
    await settle(12_000)
    await vi.waitFor(() => expect(client.getSnapshot().transport).toBe('websocket'))
    await vi.waitFor(() => expect(sessionsOf(setup)).toEqual(['websocket']))
  })

  it('probes on the default window when an upgradeDelay bound is given as undefined, not again and again at once', async () => {
    const { network, client } = bothTransports({ upgradeDelay: { minMs: undefined as unknown as number, maxMs: 16_000 } })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    // The refused socket, then the probe made at once on SSE; the next waits 2.5-5 s.
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    expect(network.sockets).toHaveLength(2)
    await settle(2000)
    expect(network.sockets).toHaveLength(2)
  })

  it('counts a WebSocket that keeps dying right after the handshake as unstable, and remembers it', async () => {
    const storage = memoryStorage()
    const { network, client } = bothTransports({ storage, maxFlaps: 3, reconnectDelay: () => 100, blockedTtlMs: 60_000, ...NO_PROBE })
    client.connect()
    for (let flap = 0; flap < 3; flap++) {
      await settle()
      expect(client.getSnapshot().transport).toBe('websocket')
      network.socket.drop()
      await settle(100)
    }
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'WEBSOCKET_UNSTABLE' }))
    expect(transportMemory('https://rt.example.com', 60_000, Date.now, storage).get('websocket')).toBe('WEBSOCKET_UNSTABLE')
  })

  it('does not count WebSockets the server closes on purpose (a rolling restart) as unstable', async () => {
    const storage = memoryStorage()
    const { network, client } = bothTransports({ storage, maxFlaps: 3, reconnectDelay: () => 100, ...NO_PROBE })
    client.connect()
    // Each replica the client lands on restarts within a second: "reconnect now" (4100), spread over 100 ms.
    for (let restart = 0; restart < 4; restart++) {
      await settle()
      expect(client.getSnapshot().transport).toBe('websocket')
      await settle(1000)
      network.mock.disconnectAll({ code: 4100, retryAfterMs: 100 })
      await settle(100)
    }
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined })
    expect(storage.items.size).toBe(0)
  })

  it('backs off and starts again from WebSocket when every transport fails, reporting what the server said', async () => {
    const storage = memoryStorage()
    const { network, client, errors } = bothTransports({ storage })
    network.mock.faults.refuseWebSocket = true
    // The server refuses the SSE ticket this once, and says why.
    network.use(http.post(`${SERVER_URL}/sse/ticket`, () => HttpResponse.json({ error: { code: 'UNAVAILABLE', message: 'SSE is down' } }, { status: 503 }), { once: true }))
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1, error: { code: 'UNAVAILABLE' } }))
    network.mock.faults.refuseWebSocket = false
    await settle(client.getSnapshot().retryAt! - Date.now())
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket' })
    expect(errors).toEqual(['UNAVAILABLE'])
    expect(storage.items.size).toBe(0)
  })

  it('reports SERVER_UNREACHABLE when a proxy in front answers 502 pages for a server that is down', async () => {
    const { network, client, errors } = bothTransports({ transports: ['websocket', 'sse', 'long-polling'] })
    network.mock.faults.refuseWebSocket = true
    // nginx with no upstream left: its own HTML error page, not the server's JSON error body.
    network.use(http.post(`${SERVER_URL}/*`, () => new HttpResponse('<html><body>502 Bad Gateway</body></html>', { status: 502, headers: { 'content-type': 'text/html' } })))
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('reconnecting'))
    expect(client.getSnapshot()).toMatchObject({ diagnosis: 'SERVER_UNREACHABLE', error: { code: 'SERVER_UNREACHABLE' } })
    expect(errors).toEqual(['SERVER_UNREACHABLE'])
  })

  it('reports SERVER_UNREACHABLE when no transport gets an answer, and backs off before the next round', async () => {
    const unreachable = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch
    const { network, client, errors, diagnoses } = bothTransports({ fetch: unreachable, reconnectDelay: { minMs: 1000, maxMs: 1000 } })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', diagnosis: 'SERVER_UNREACHABLE', error: { code: 'SERVER_UNREACHABLE', retryable: true } })
    expect(client.getSnapshot().error!.message).toBe('websocket 1006 WebSocket upgrade refused, sse 1006 ticket failed')
    expect(network.sockets).toHaveLength(1)
    // random() is 0.5: half the 1 s window, never a retry without a wait.
    await settle(499)
    expect(network.sockets).toHaveLength(1)
    await settle(1)
    expect(network.sockets).toHaveLength(2)
    expect(errors).toEqual(['SERVER_UNREACHABLE', 'SERVER_UNREACHABLE'])
    expect(diagnoses).toEqual(['SERVER_UNREACHABLE'])
  })

  it('says UPGRADE_REFUSED, not WEBSOCKET_SILENT, for an upgrade that gets no answer (a firewall dropping the packets, a proxy holding the request): the socket never opened', async () => {
    const { client, errors } = bothTransports({ WebSocket: ScriptedWebSocket as unknown as typeof WebSocket, fallbackAfterMs: 200, connectTimeoutMs: 1000 })
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' }))
    // The upgrade's connect timeout.
    await settle(1000)
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' }))
    expect(errors).toEqual(['UPGRADE_REFUSED'])
  })

  it('says SSE_BUFFERED, not SERVER_UNREACHABLE, when the only transport is an SSE stream a proxy holds back: the server answered the ticket', async () => {
    const { network, client, errors } = bothTransports({ transports: ['sse'], connectTimeoutMs: 1000, reconnectDelay: { minMs: 60_000, maxMs: 60_000 } })
    network.mock.faults.bufferSse = true
    client.connect()
    // The ticket granted, the stream opened: then nothing comes through it.
    await vi.waitFor(() => expect(network.requests).toEqual(['POST /sse/ticket', 'GET /sse']))
    await settle(1000)
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', error: { code: 'SSE_BUFFERED' }, diagnosis: 'SSE_BUFFERED' }))
    expect(errors).toEqual(['SSE_BUFFERED'])
  })
})
