import { describe, expect, it, vi } from 'vitest'
import type { RealtimeClient, TransportName } from '../../src/index'
import { useHarness, type Harness } from '../support/harness'
import { FAST } from './support/fast'
import { useFaultProxy } from './support/useFaultProxy'
import { account, everyMessage } from './support/invariant'
import { publishNumbered, publishUntil, watch, type Published, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness({ heartbeatMs: 300 })
const proxy = useFaultProxy(harness)

const CHANNEL = 'board:1'

/** `count` clients behind the proxy, subscribed to the channel, and their first messages delivered. */
async function fleet(count: number, options: Parameters<Harness['client']>[0] = {}): Promise<{ clients: RealtimeClient[]; watches: Watch[]; published: Published }> {
  const clients: RealtimeClient[] = []
  const watches: Watch[] = []
  for (let index = 0; index < count; index++) {
    const client = harness.client({ ...FAST, livenessMs: 600, url: proxy.url, ...options })
    client.connect()
    clients.push(client)
    watches.push(watch(client, CHANNEL))
  }
  await Promise.all(watches.map((seen) => seen.subscribed))
  const published = await publishNumbered(harness.server, CHANNEL, 1, 10)
  await everyoneHas(watches, published)
  return { clients, watches, published }
}

const on = (clients: RealtimeClient[], transport: TransportName) => () =>
  clients.every((client) => client.getSnapshot().status === 'connected' && client.getSnapshot().transport === transport)

async function everyoneHas(watches: Watch[], published: Published): Promise<void> {
  await expect.poll(() => watches.every((seen) => new Set(seen.received).size >= published.size), { timeout: 15_000 }).toBe(true)
}

function expectExactlyOnce(watches: Watch[], published: Published): void {
  for (const seen of watches) {
    expect(account(published, seen)).toEqual(everyMessage(published.size))
    expect(seen.gaps).toEqual([])
  }
}

describe('faults at a proxy', () => {
  it('WebSocket blocked mid-stream: clients fall back to SSE, come back to WebSocket, and lose or repeat nothing', async () => {
    const { clients, watches, published } = await fleet(4)
    expect(on(clients, 'websocket')()).toBe(true)

    proxy.upgrades = 'refuse'
    proxy.cut('websocket')
    await publishUntil(harness.server, CHANNEL, published, on(clients, 'sse'))
    expect(on(clients, 'sse')()).toBe(true)
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)

    proxy.upgrades = 'pass'
    // The background probe moves every client back while messages keep coming.
    await publishUntil(harness.server, CHANNEL, published, on(clients, 'websocket'))
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)
    await everyoneHas(watches, published)
    expectExactlyOnce(watches, published)
    expect(on(clients, 'websocket')()).toBe(true)
  })

  it('upgrade accepted and then silent: the connect reply never comes, so clients fall back to SSE and recover', async () => {
    const { clients, watches, published } = await fleet(4, { connectTimeoutMs: 1000 })
    const transports: TransportName[] = []
    for (const client of clients) client.on('transport', ({ transport }) => transports.push(transport))

    proxy.upgrades = 'silent'
    proxy.cut('websocket')
    await publishUntil(harness.server, CHANNEL, published, on(clients, 'sse'))
    expect(on(clients, 'sse')()).toBe(true)
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)
    await everyoneHas(watches, published)
    expectExactlyOnce(watches, published)
    // A socket that opened but never answered the handshake never counted as connected: a WebSocket works only once the connect reply arrived.
    expect(transports).toEqual(['sse', 'sse', 'sse', 'sse'])
  })

  it('WebSocket that dies right after every handshake: clients fall back to SSE, return once it holds, and lose nothing', async () => {
    const { clients, watches, published } = await fleet(3)
    const fellBack = clients.map(() => false)
    clients.forEach((client, index) => client.on('transport', ({ transport }) => transport === 'sse' && (fellBack[index] = true)))
    // A proxy that lets the handshake through and then drops the socket, every time: a reconnect
    // shows as a status change, a move back by the background probe as a transport change.
    let flapping = true
    for (const client of clients) {
      const cutIfOnWebSocket = () => flapping && client.getSnapshot().status === 'connected' && client.getSnapshot().transport === 'websocket' && proxy.cut('websocket')
      client.on('status', cutIfOnWebSocket)
      client.on('transport', cutIfOnWebSocket)
    }
    proxy.cut('websocket')
    await publishUntil(harness.server, CHANNEL, published, () => fellBack.every(Boolean))
    expect(fellBack).toEqual([true, true, true])

    flapping = false
    await publishUntil(harness.server, CHANNEL, published, on(clients, 'websocket'))
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)
    await everyoneHas(watches, published)
    expectExactlyOnce(watches, published)
  })

  it('SSE held back by a buffering proxy: the silence is detected, and everything arrives once the bytes flow', async () => {
    const { clients, watches, published } = await fleet(3, { transports: ['sse'] })
    const left = clients.map(() => false)
    clients.forEach((client, index) => client.on('status', ({ prevStatus }) => prevStatus === 'connected' && (left[index] = true)))

    proxy.sseBufferBytes = 1024 * 1024
    // Nothing passes: heartbeats stop arriving, so no client may keep believing it is connected.
    await publishUntil(harness.server, CHANNEL, published, () => left.every(Boolean))
    expect(left).toEqual([true, true, true])

    proxy.sseBufferBytes = 0
    await publishUntil(harness.server, CHANNEL, published, on(clients, 'sse'))
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)
    await everyoneHas(watches, published)
    expectExactlyOnce(watches, published)
  })
})
