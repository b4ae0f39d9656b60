import { describe, expect, it } from 'vitest'
import type { ClientEvents } from '../src/index'
import { countingNetwork, memoryStorage, next, useHarness, until } from './support/harness'

const harness = useHarness()

/** While on a fallback, no background probe gets in the way of what these tests look at. */
const NO_PROBE = { upgradeDelay: { minMs: 600_000, maxMs: 600_000 } }

describe('transport fallback against the mock server', () => {
  it('connects over SSE when the WebSocket upgrade is refused, says why, and remembers the origin once a probe confirms it', async () => {
    harness.server.faults.refuseWebSocket = true
    const storage = memoryStorage()
    // The probe every 50-100 ms here (default: 2.5-5 s, doubling up to 25 s).
    const client = harness.client({ storage, upgradeDelay: { minMs: 100, maxMs: 100 } })
    const transport = next<ClientEvents['transport']>((handler) => client.on('transport', handler))
    const found = next<ClientEvents['error']>((handler) => client.on('error', handler))
    client.connect()
    await client.ready(15_000)
    expect(await transport).toEqual({ transport: 'sse', prevTransport: undefined })
    // Said once a probe made from SSE is refused too, and SSE answers a ping: a refusal, not a restart.
    expect((await found).code).toBe('UPGRADE_REFUSED')
    expect(client.getSnapshot()).toMatchObject({ transport: 'sse', diagnosis: 'UPGRADE_REFUSED' })
    expect(harness.server.clients.map((info) => info.transport)).toEqual(['sse'])
    expect([...storage.items.keys()]).toEqual([`lifeline:websocket:${harness.server.url}`])
  })

  it('starts SSE beside a WebSocket whose upgrade was accepted but stays silent, after fallbackAfterMs, then says why', async () => {
    harness.server.faults.silenceWebSocket = true
    const network = countingNetwork()
    const client = harness.client({ ...network, fallbackAfterMs: 200, connectTimeoutMs: 1000, ...NO_PROBE })
    client.connect()
    await client.ready(15_000)
    expect(client.getSnapshot()).toMatchObject({ transport: 'sse' })
    expect(network.opened).toMatchObject({ websocket: 1, sse: 1 })
    await until(() => client.getSnapshot().diagnosis === 'WEBSOCKET_SILENT', 15_000, 'the silent WebSocket found out')
    expect(client.getSnapshot().transport).toBe('sse')
  })

  it('falls back to SSE when the WebSocket keeps dying right after the connect reply (flapping)', async () => {
    // The server drops every WebSocket session the moment its handshake completes.
    harness.server.engine.onSession((event, session) => {
      if (event === 'open' && session.transport === 'websocket') session.disconnect(4000, 'flapping proxy')
    })
    const network = countingNetwork()
    const client = harness.client({ ...network, maxFlaps: 3, reconnectDelay: { minMs: 50, maxMs: 100 }, ...NO_PROBE })
    client.connect()
    await until(() => client.getSnapshot().transport === 'sse', 15_000, 'the client on SSE')
    expect(network.opened.websocket).toBe(3)
    expect(client.getSnapshot().diagnosis).toBe('WEBSOCKET_UNSTABLE')
    expect(harness.server.clients.map((info) => info.transport)).toEqual(['sse'])
  })

  it('backs off across every transport while the server is down, reporting SERVER_UNREACHABLE, then comes back on WebSocket', async () => {
    const network = countingNetwork()
    const storage = memoryStorage()
    // The client's own clock, read back: a planned delay is retryAt minus the time the client planned it at.
    let clientNow = 0
    const now = () => (clientNow = Date.now())
    const client = harness.client({ ...network, storage, now, random: () => 0.1, reconnectDelay: { minMs: 200, maxMs: 800 } })
    client.connect()
    await client.ready(15_000)
    const delays: number[] = []
    const diagnoses = new Set<string | undefined>()
    client.onState(() => {
      const { status, retryAt, diagnosis } = client.getSnapshot()
      diagnoses.add(diagnosis)
      if (status === 'reconnecting' && retryAt !== undefined) delays.push(retryAt - clientNow)
    })
    const restart = harness.server.restart({ downtimeMs: 1500 })
    await until(() => client.getSnapshot().attempt >= 4, 15_000, 'four failed attempts')
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', diagnosis: 'SERVER_UNREACHABLE', error: { code: 'SERVER_UNREACHABLE' } })
    await restart
    // If the server came back between a round's WebSocket and its fallback, the probe made at once
    // from the fallback moves the client onto WebSocket.
    await until(() => client.getSnapshot().transport === 'websocket' && client.getSnapshot().status === 'connected', 15_000, 'the client back on WebSocket')
    expect(client.getSnapshot().diagnosis).toBeUndefined()
    // Every round tried WebSocket, then SSE, then long-polling; none of it marked a transport as blocked.
    expect(network.opened.websocket).toBeGreaterThanOrEqual(5)
    expect(network.opened.tickets).toBeGreaterThanOrEqual(3)
    expect(storage.items.size).toBe(0)
    expect([...diagnoses].filter(Boolean)).toEqual(['SERVER_UNREACHABLE'])
    // The waits the client planned: the server's "reconnect now" spread (0.1 of its 2 s window), then
    // backoff that grows to the cap (0.1 of 400 ms, then of the 800 ms cap) and stays there: no tight loop.
    expect(delays.slice(0, 4)).toEqual([200, 40, 80, 80])
    expect(delays.slice(4).every((delay) => delay === 80)).toBe(true)
  })
})
