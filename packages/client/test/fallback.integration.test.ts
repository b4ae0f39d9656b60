import { describe, expect, it } from 'vitest'
import type { ClientEvents } from '../src/index'
import { countingNetwork, memoryStorage, next, useHarness, until } from './support/harness'

const harness = useHarness()

/** While on SSE, no background probe gets in the way of what these tests look at. */
const NO_PROBE = { upgradeDelay: { minMs: 600_000, maxMs: 600_000 } }

describe('transport fallback against the mock server', () => {
  it('connects over SSE when the WebSocket upgrade is refused, and remembers the origin as blocked', async () => {
    harness.server.faults.refuseWebSocket = true
    const storage = memoryStorage()
    const client = harness.client({ storage, ...NO_PROBE })
    const transport = next<ClientEvents['transport']>((handler) => client.on('transport', handler))
    client.connect()
    await client.ready(15_000)
    expect(await transport).toEqual({ transport: 'sse', prevTransport: undefined })
    expect(harness.server.clients.map((info) => info.transport)).toEqual(['sse'])
    expect([...storage.items.keys()]).toEqual([`lifeline:ws-blocked:${harness.server.url}`])
  })

  it('falls back to SSE after connectTimeoutMs when the upgrade is accepted but then silent', async () => {
    harness.server.faults.silenceWebSocket = true
    const network = countingNetwork()
    const client = harness.client({ ...network, connectTimeoutMs: 1000, ...NO_PROBE })
    client.connect()
    await client.ready(15_000)
    expect(client.getSnapshot().transport).toBe('sse')
    expect(network.opened).toMatchObject({ websocket: 1, sse: 1 })
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
    expect(harness.server.clients.map((info) => info.transport)).toEqual(['sse'])
  })

  it('backs off across both transports while the server is down, then comes back on WebSocket', async () => {
    const network = countingNetwork()
    const storage = memoryStorage()
    // The client's own clock, read back: a planned delay is retryAt minus the time the client planned it at.
    let clientNow = 0
    const now = () => (clientNow = Date.now())
    const client = harness.client({ ...network, storage, now, random: () => 0.1, reconnectDelay: { minMs: 200, maxMs: 800 } })
    client.connect()
    await client.ready(15_000)
    const delays: number[] = []
    client.subscribe(() => {
      const { status, retryAt } = client.getSnapshot()
      if (status === 'reconnecting' && retryAt !== undefined) delays.push(retryAt - clientNow)
    })
    const restart = harness.server.restart({ downtimeMs: 1500 })
    await until(() => client.getSnapshot().attempt >= 4, 15_000, 'four failed attempts')
    await restart
    await until(() => client.getSnapshot().status === 'connected', 15_000, 'the client back')
    expect(client.getSnapshot().transport).toBe('websocket')
    // Every round tried WebSocket, then SSE; none of it marked WebSocket as blocked.
    expect(network.opened.websocket).toBeGreaterThanOrEqual(5)
    expect(network.opened.tickets).toBeGreaterThanOrEqual(3)
    expect(storage.items.size).toBe(0)
    // The waits the client planned: the server's "reconnect now" spread (0.1 of its 2 s window), then
    // backoff that grows to the cap (0.1 of 400 ms, then of the 800 ms cap) and stays there: no tight loop.
    expect(delays.slice(0, 4)).toEqual([200, 40, 80, 80])
    expect(delays.slice(4).every((delay) => delay === 80)).toBe(true)
  })
})
