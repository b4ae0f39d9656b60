import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RealtimeClientOptions } from '../options'
import { memoryStorage } from './support/memoryStorage'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork } from './support/testNetwork'

// Networks that fail in ways the other tests do not.

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

/** A client on WebSocket then SSE whose POSTs fail while `outage.on` (the stream is cut by the test). */
function fallbackClient(options: Partial<RealtimeClientOptions> = {}) {
  const outage = { on: false }
  const storage = memoryStorage()
  const setup = testClient({
    transports: ['websocket', 'sse'],
    storage,
    fetch: (input, init) => (outage.on ? Promise.reject(new TypeError('Failed to fetch')) : fetch(input, init)),
    ...options,
  })
  return { ...setup, outage, storage }
}

describe('hostile networks', () => {
  it('does not remember WebSocket as blocked when its probe fails during a total outage, and is back on it after', async () => {
    const { network, client, outage, storage } = fallbackClient({ upgradeDelay: { minMs: 4000, maxMs: 4000 }, reconnectDelay: { minMs: 1000, maxMs: 1000 } })
    // A blip refuses the first WebSocket: the client lands on SSE without remembering anything.
    network.mock.faults.refuseWebSocket = true
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' }))
    // Then nothing gets through at all: upgrades fail, POSTs fail, the stream passes nothing.
    outage.on = true
    network.mock.faults.sseDelayMs = 3_600_000
    // random() is 0.5: the probe comes after 3 s, and fails like everything else.
    await settle(3000)
    expect(network.sockets).toHaveLength(2)
    await settle(10_000)
    expect(storage.items.size).toBe(0)
    outage.on = false
    network.mock.faults.refuseWebSocket = false
    network.mock.faults.sseDelayMs = 0
    await settle(30_000)
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket', diagnosis: undefined }))
    expect(storage.items.size).toBe(0)
  })
})
