import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { KeyValueStorage, RealtimeClientOptions } from '../options'
import { memoryStorage } from './support/memoryStorage'
import { ScriptedWebSocket } from './support/scriptedWebSocket'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, currentNetwork, testNetwork } from './support/testNetwork'

// Networks that fail in ways the other tests do not.

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

/** A request that never gets an answer; it ends only when its signal aborts. */
function hanging(signal: AbortSignal | null | undefined, inFlight: Set<unknown>): Promise<Response> {
  return new Promise((_, reject) => {
    inFlight.add(signal)
    signal?.addEventListener('abort', () => (inFlight.delete(signal), reject(signal.reason)))
  })
}

/**
 * A client on WebSocket then SSE whose POSTs fail while `outage.on`, and get no answer while
 * `outage.hang` (those are in `inFlight` until aborted); the stream is cut by the test.
 */
function fallbackClient(options: Partial<RealtimeClientOptions> = {}) {
  const outage = { on: false, hang: false }
  const inFlight = new Set<unknown>()
  const storage = memoryStorage()
  const setup = testClient({
    transports: ['websocket', 'sse'],
    storage,
    fetch: (input, init) => (outage.hang ? hanging(init?.signal, inFlight) : outage.on ? Promise.reject(new TypeError('Failed to fetch')) : fetch(input, init)),
    ...options,
  })
  return { ...setup, outage, storage, inFlight }
}

describe('hostile networks', () => {
  it.each([
    ['refused', { refuseWebSocket: true }, 'on'],
    ['silent', { silenceWebSocket: true }, 'hang'],
  ] as const)('does not remember WebSocket as blocked when its probe fails during a total outage (everything %s), finds the dead link within livenessMs, and is back on WebSocket after', async (_, sockets, posts) => {
    const { network, client, outage, storage } = fallbackClient({ upgradeDelay: { minMs: 4000, maxMs: 4000 }, reconnectDelay: { minMs: 1000, maxMs: 1000 } })
    // A blip refuses the first WebSocket, and the moment the client lands on SSE nothing gets
    // through at all: upgrades fail or hang, so do POSTs, and the stream passes nothing.
    let cutAt = 0
    client.on('transport', () => {
      if (cutAt) return
      cutAt = Date.now()
      Object.assign(network.mock.faults, { refuseWebSocket: false }, sockets, { sseDelayMs: 3_600_000 })
      outage[posts] = true
    })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    await vi.waitFor(() => expect(cutAt).toBeGreaterThan(0))
    // The probe made at once on SSE fails like everything else.
    await vi.waitFor(() => expect(network.sockets).toHaveLength(2))
    await settle(cutAt + 10_000 - Date.now())
    expect(client.getSnapshot().status).toBe('reconnecting')
    await settle(10_000)
    expect(storage.items.size).toBe(0)
    Object.assign(network.mock.faults, { refuseWebSocket: false, silenceWebSocket: false, sseDelayMs: 0 })
    outage[posts] = false
    await settle(30_000)
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined }))
    expect(storage.items.size).toBe(0)
  })
})

describe('liveness', () => {
  it.each(['sse', 'long-polling'] as const)('finds a %s link that went silent within livenessMs, and reconnects', async (transport) => {
    const { network, client, outage, errors } = fallbackClient({ transports: [transport], reconnectDelay: () => 100 })
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport }))
    // Nothing in, nothing out from now on: POSTs get no answer, the stream and the held poll pass nothing.
    const silentAt = Date.now()
    outage.hang = true
    network.mock.faults.sseDelayMs = 3_600_000
    await settle(silentAt + 10_000 - Date.now())
    expect(client.getSnapshot().status).toBe('reconnecting')
    expect(errors).toEqual(['TRANSPORT_CLOSED'])
  })
})

/** A WebSocket to a server over its connection cap: it says so (4002, retry in 10 s) before any connect reply. */
class CappedWebSocket extends ScriptedWebSocket {
  static opened = 0
  constructor(url: string) {
    super(url)
    CappedWebSocket.opened += 1
    setTimeout(() => {
      this.onopen?.()
      this.onmessage?.({ data: JSON.stringify({ type: 'disconnect', code: 4002, reason: 'Too many connections from this address', retryAfterMs: 10_000 }) })
      this.onclose?.({ code: 4002, reason: 'Too many connections from this address' })
    }, 10)
  }
}

describe('a server that turns the WebSocket away before the connect reply', () => {
  it('takes the close advice for what it is: RATE_LIMITED, retried no sooner than retryAfterMs, not a refused upgrade', async () => {
    CappedWebSocket.opened = 0
    const { client, errors } = testClient({ WebSocket: CappedWebSocket as unknown as typeof WebSocket })
    client.connect()
    await settle(10)
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', error: { code: 'RATE_LIMITED' }, diagnosis: undefined })
    expect(client.getSnapshot().retryAt! - Date.now()).toBeGreaterThanOrEqual(10_000)
    expect(errors).toEqual(['RATE_LIMITED'])
    await settle(9_999)
    expect(CappedWebSocket.opened).toBe(1)
  })

  it('falls back without blaming WebSocket, and remembers nothing', async () => {
    const { client, storage } = fallbackClient({ WebSocket: CappedWebSocket as unknown as typeof WebSocket, upgradeDelay: { minMs: 4000, maxMs: 4000 } })
    client.connect()
    await settle(10)
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' }))
    expect(client.getSnapshot().diagnosis).toBeUndefined()
    // The probes are turned away the same way.
    await settle(20_000)
    expect(storage.items.size).toBe(0)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse', diagnosis: undefined })
  })
})

describe('storage', () => {
  it('connects over WebSocket whatever storage hands back or throws', async () => {
    const throwing = { getItem: () => { throw new DOMException('denied', 'SecurityError') }, setItem: () => { throw new DOMException('full', 'QuotaExceededError') }, removeItem() {} }
    const odd = { getItem: () => 42, setItem() {}, removeItem() {} }
    const foreign = { getItem: () => `${Date.now() + 60_000} {"blocked":true}`, setItem() {}, removeItem() {} }
    for (const storage of [throwing, odd, foreign] as unknown as KeyValueStorage[]) {
      const { network, client } = testClient({ transports: ['websocket', 'sse'], storage }, currentNetwork())
      client.connect()
      await settle()
      expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined })
      client.disconnect()
      expect(network.requests).toEqual([])
    }
  })
})

describe('disconnect() in the middle of each phase', () => {
  it('leaves no timer running during a race, with a probe waiting, in flight, while backing off and offline', async () => {
    const target = new EventTarget()
    const { network, client, outage, inFlight } = fallbackClient({ lifecycleTarget: target, upgradeDelay: { minMs: 4000, maxMs: 4000 } })
    const count = async () => (client.disconnect(), await settle(), vi.getTimerCount())
    // A race: the WebSocket silent, the SSE ticket asked for, no answer yet.
    network.mock.faults.silenceWebSocket = true
    outage.hang = true
    client.connect()
    await settle(1000)
    expect(inFlight.size).toBe(1)
    expect(await count()).toBe(0)
    expect(inFlight.size).toBe(0)
    // On SSE, the probe waiting.
    outage.hang = false
    client.connect()
    await settle(1000)
    await vi.waitFor(() => expect(client.getSnapshot().transport).toBe('sse'))
    expect(await count()).toBe(0)
    // The probe in flight.
    client.connect()
    await settle(1000)
    await vi.waitFor(() => expect(client.getSnapshot().transport).toBe('sse'))
    const sockets = network.sockets.length
    for (let step = 0; step < 30 && network.sockets.length === sockets; step++) await settle(500)
    expect(network.sockets).toHaveLength(sockets + 1)
    expect(await count()).toBe(0)
    // Backing off.
    network.mock.faults.refuseWebSocket = true
    network.mock.faults.dropSse = true
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('reconnecting'))
    expect(await count()).toBe(0)
    // Offline.
    client.connect()
    target.dispatchEvent(new Event('offline'))
    expect(await count()).toBe(0)
    expect(network.sockets.every((socket) => !socket.open)).toBe(true)
  })

  it('leaves nothing running when disconnect() is called from a listener of the connection coming up', async () => {
    for (const hook of ['status', 'transport', 'state', 'channel'] as const) {
      const { client } = testClient({}, currentNetwork())
      const statuses: string[] = []
      client.on('status', ({ status }) => statuses.push(status))
      const stop = () => client.disconnect()
      if (hook === 'status') client.on('status', ({ status }) => status === 'connected' && stop())
      if (hook === 'transport') client.on('transport', stop)
      if (hook === 'state') client.onState(({ status }) => status === 'connected' && stop())
      // A channel that sees its subscribe start on the new connection.
      if (hook === 'channel') client.channel('board:1').onState(({ status }) => status === 'subscribing' && client.getSnapshot().status !== 'disconnected' && stop())
      if (hook === 'channel') client.channel('board:1').subscribe()
      client.connect()
      await settle()
      expect(client.getSnapshot().status, hook).toBe('disconnected')
      expect(statuses.at(-1), hook).toBe('disconnected')
      expect(vi.getTimerCount(), hook).toBe(0)
    }
  })

  it.each(['error', 'reconnecting', 'connecting'] as const)('stays disconnected when disconnect() is called from a listener of %s, for a failed attempt or a lost connection', async (hook) => {
    for (const failure of ['attempt', 'lost'] as const) {
      const network = currentNetwork() ?? testNetwork()
      const { client } = testClient({ reconnectDelay: () => 100 }, network)
      if (hook === 'error') client.on('error', () => client.disconnect())
      else client.on('status', ({ status }) => status === hook && client.disconnect())
      network.mock.faults.refuseWebSocket = failure === 'attempt'
      client.connect()
      await settle()
      if (failure === 'lost' && hook !== 'connecting') network.socket.drop()
      await settle(1000)
      expect(client.getSnapshot().status, failure).toBe('disconnected')
      expect(vi.getTimerCount(), failure).toBe(0)
      // The one WebSocket of the first attempt (none when stopped as it starts), and no other after.
      expect(network.sockets, failure).toHaveLength(hook === 'connecting' ? 0 : 1)
      await closeNetwork()
    }
  })

  it('keeps what a listener of the stop queues after connecting again at once', async () => {
    const { network, client } = testClient({}, currentNetwork())
    const channel = client.channel('board:1')
    let again: Promise<unknown> | undefined
    client.on('status', ({ status }) => {
      if (status !== 'disconnected' || again) return
      client.connect()
      again = channel.publish('moved', 1)
    })
    client.connect()
    await settle()
    client.disconnect()
    await settle()
    await expect(again).resolves.toMatchObject({ position: { offset: 1 } })
    expect(network.sent('publish')).toHaveLength(1)
  })
})
