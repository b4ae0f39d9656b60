import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RealtimeClientOptions } from '../options'
import { transportMemory } from '../transportMemory'
import { FakeServer } from './support/fakeServer'
import { memoryStorage } from './support/memoryStorage'
import { settle, testClient } from './support/testClient'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** A client on WebSocket then SSE (the fake serves no long-polling), with `random()` at 0.5. */
function bothTransports(server: FakeServer, options: Partial<RealtimeClientOptions> = {}) {
  const setup = testClient({ transports: ['websocket', 'sse'], EventSource: server.EventSource, fetch: server.fetch, storage: memoryStorage(), ...options }, server)
  const diagnoses: (string | undefined)[] = []
  setup.client.subscribe(() => {
    const { diagnosis } = setup.client.getSnapshot()
    if (diagnosis !== diagnoses.at(-1)) diagnoses.push(diagnosis)
  })
  return { ...setup, diagnoses }
}

/** `upgradeDelay` that keeps the background probe out of a test's way. */
const NO_PROBE = { upgradeDelay: { minMs: 600_000, maxMs: 600_000 } }

describe('choosing a transport', () => {
  it('falls back to SSE at once when the upgrade is refused, and says so', async () => {
    const server = new FakeServer()
    server.mode = 'refuse'
    const { client, errors, diagnoses } = bothTransports(server, NO_PROBE)
    const transports: string[] = []
    client.on('transport', ({ transport }) => transports.push(transport))
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'UPGRADE_REFUSED' })
    expect(transports).toEqual(['sse'])
    expect(errors).toEqual(['UPGRADE_REFUSED'])
    expect(diagnoses).toEqual(['UPGRADE_REFUSED'])
  })

  it('starts SSE beside a WebSocket that has not completed its handshake after fallbackAfterMs, and keeps the first to complete', async () => {
    const server = new FakeServer()
    // The upgrade goes through, then nothing comes back.
    server.handlers.connect = (_command, peer) => (server.sockets.includes(peer as never) ? 'ignore' : undefined)
    const { client, errors, diagnoses } = bothTransports(server, { fallbackAfterMs: 1000, ...NO_PROBE })
    client.connect()
    await settle(999)
    expect(server.streams).toHaveLength(0)
    await settle(1)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: undefined })
    // The WebSocket keeps its chance until connectTimeoutMs; then the client knows why it is on SSE.
    expect(server.sockets[0]!.open).toBe(true)
    await settle(4000)
    expect(server.sockets[0]!.open).toBe(false)
    expect(client.getSnapshot()).toMatchObject({ transport: 'sse', diagnosis: 'WEBSOCKET_SILENT' })
    expect(errors).toEqual(['WEBSOCKET_SILENT'])
    expect(diagnoses).toEqual(['WEBSOCKET_SILENT'])
  })

  it('moves to the WebSocket when it completes its handshake after SSE won the race', async () => {
    const server = new FakeServer()
    const held: number[] = []
    server.handlers.connect = (command, peer) => (server.sockets.includes(peer as never) ? (held.push(command.id), 'ignore') : undefined)
    const { client, errors } = bothTransports(server, NO_PROBE)
    const transports: string[] = []
    client.on('transport', ({ transport }) => transports.push(transport))
    client.connect()
    await settle(1000)
    expect(client.getSnapshot().transport).toBe('sse')
    // A slow network, not a silent proxy: the reply comes at 3 s.
    await settle(2000)
    server.socket.push({ type: 'reply', id: held[0]!, ok: true, result: { session: server.socket.session, heartbeatMs: 25_000 } })
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined })
    expect(transports).toEqual(['sse', 'websocket'])
    expect(server.streams[0]!.open).toBe(false)
    expect(errors).toEqual([])
  })

  it('remembers a refused WebSocket only once a background probe confirms it, and the next page load then skips it', async () => {
    const server = new FakeServer()
    server.mode = 'refuse'
    const storage = memoryStorage()
    const first = bothTransports(server, { storage, upgradeDelay: { minMs: 10_000, maxMs: 10_000 } })
    first.client.connect()
    await settle()
    expect(first.client.getSnapshot().transport).toBe('sse')
    // A blip between the two racers' starts would look the same: nothing is written yet.
    expect(storage.items.size).toBe(0)
    // random() is 0.5: the probe comes after 3/4 of minMs, and fails too.
    await settle(7500)
    expect(server.sockets).toHaveLength(2)
    expect([...storage.items.keys()]).toEqual(['lifeline:websocket:https://rt.example.com'])
    first.client.disconnect()

    const second = bothTransports(server, { storage, ...NO_PROBE })
    second.client.connect()
    await settle()
    expect(second.client.getSnapshot()).toMatchObject({ transport: 'sse', diagnosis: 'UPGRADE_REFUSED' })
    expect(server.sockets).toHaveLength(2)
  })

  it('does not remember WebSocket after a blip that only it ran into: the first probe brings the client back', async () => {
    const server = new FakeServer()
    server.mode = 'refuse'
    const storage = memoryStorage()
    const { client } = bothTransports(server, { storage })
    client.connect()
    await settle()
    expect(client.getSnapshot().transport).toBe('sse')
    server.mode = 'accept'
    // The default upgradeDelay: the first probe after 2.5-5 s (3.75 s with random() at 0.5).
    await settle(3750)
    expect(client.getSnapshot()).toMatchObject({ transport: 'websocket', diagnosis: undefined })
    expect(storage.items.size).toBe(0)
  })

  it('still tries WebSocket, last, when the origin is remembered as blocked but SSE fails', async () => {
    const storage = memoryStorage()
    transportMemory('https://rt.example.com', 60_000, Date.now, storage).remember('websocket', 'UPGRADE_REFUSED')
    const server = new FakeServer()
    server.sseMode = 'refuse'
    const { client } = bothTransports(server, { storage })
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined })
    expect(server.streams).toHaveLength(0)
    expect(storage.items.size).toBe(0)
  })

  it('probes the first transport on a jittered delay that doubles up to upgradeDelay.maxMs, and moves over when it works', async () => {
    const server = new FakeServer()
    server.mode = 'refuse'
    const { client } = bothTransports(server, { upgradeDelay: { minMs: 4000, maxMs: 16_000 } })
    client.connect()
    await settle()
    const probesAt: number[] = []
    const start = Date.now()
    for (let step = 0; step < 120 && probesAt.length < 5; step++) {
      const before = server.sockets.length
      await settle(500)
      if (server.sockets.length > before) probesAt.push(Date.now() - start)
    }
    // 3/4 of 4, 8, 16, 16, 16 s after each probe's start.
    expect(probesAt).toEqual([3000, 9000, 21_000, 33_000, 45_000])
    server.mode = 'accept'
    await settle(12_000)
    expect(client.getSnapshot().transport).toBe('websocket')
    expect(server.streams[0]!.open).toBe(false)
  })

  it('counts a WebSocket that keeps dying right after the handshake as unstable, and remembers it', async () => {
    const server = new FakeServer()
    const storage = memoryStorage()
    const { client } = bothTransports(server, { storage, maxFlaps: 3, reconnectDelay: () => 100, ...NO_PROBE })
    client.connect()
    for (let flap = 0; flap < 3; flap++) {
      await settle()
      expect(client.getSnapshot().transport).toBe('websocket')
      server.socket.drop()
      await settle(100)
    }
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: 'WEBSOCKET_UNSTABLE' })
    expect(transportMemory('https://rt.example.com', 60_000, Date.now, storage).get('websocket')).toBe('WEBSOCKET_UNSTABLE')
  })

  it('backs off and starts again from WebSocket when every transport fails, reporting what the server said', async () => {
    const storage = memoryStorage()
    const server = new FakeServer()
    server.mode = 'refuse'
    server.sseMode = 'refuse'
    const { client, errors } = bothTransports(server, { storage })
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1, error: { code: 'INTERNAL' } })
    server.mode = 'accept'
    server.sseMode = 'accept'
    await settle(client.getSnapshot().retryAt! - Date.now())
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket' })
    expect(errors).toEqual(['INTERNAL'])
    expect(storage.items.size).toBe(0)
  })

  it('reports SERVER_UNREACHABLE when no transport gets an answer, and backs off before the next round', async () => {
    const server = new FakeServer()
    server.mode = 'refuse'
    const unreachable = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch
    const { client, errors, diagnoses } = bothTransports(server, { fetch: unreachable, reconnectDelay: { minMs: 1000, maxMs: 1000 } })
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', diagnosis: 'SERVER_UNREACHABLE', error: { code: 'SERVER_UNREACHABLE', retryable: true } })
    expect(client.getSnapshot().error!.message).toBe('websocket 1006 upgrade refused, sse 1006 ticket failed')
    expect(server.sockets).toHaveLength(1)
    // random() is 0.5: half the 1 s window, never a retry without a wait.
    await settle(499)
    expect(server.sockets).toHaveLength(1)
    await settle(1)
    expect(server.sockets).toHaveLength(2)
    expect(errors).toEqual(['SERVER_UNREACHABLE', 'SERVER_UNREACHABLE'])
    expect(diagnoses).toEqual(['SERVER_UNREACHABLE'])
  })
})
