import { MemoryBroker } from '@lifeline/mock-server'
import { describe, expect, it, vi } from 'vitest'
import type { ConnectionStatus } from '../../src/index'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { useFaultProxy } from './support/useFaultProxy'
import { account, everyMessage } from './support/invariant'
import { NUMBERED, watch, type Published } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

// History deep enough to hold everything this test publishes, so the cut client can recover it all.
const harness = useHarness(() => ({ maxBufferedBytes: 64 * 1024, broker: new MemoryBroker({ historySize: 5000 }) }))
const proxy = useFaultProxy(harness)

const PADDING = 'x'.repeat(8 * 1024)
const CHANNEL = 'board:slow'

describe.each(['websocket', 'sse'] as const)('slow consumer over %s', (transport) => {
  it('the server cuts a client that cannot keep up; it recovers everything while a fast client never notices', async () => {
    const slow = harness.client({ ...FAST, url: proxy.url, transports: [transport] })
    const fast = harness.client({ ...FAST, transports: [transport] })
    const statuses: ConnectionStatus[] = []
    slow.on('status', ({ status }) => statuses.push(status))
    slow.connect()
    fast.connect()
    const slowSeen = watch(slow, CHANNEL)
    const fastSeen = watch(fast, CHANNEL)
    await Promise.all([slowSeen.subscribed, fastSeen.subscribed])
    const fastReconnects = fast.stats().reconnects

    // A thin pipe: kernel buffers fill, then the server's send buffer, then it cuts the client (4001).
    proxy.bytesPerSecond = 32 * 1024
    const published: Published = new Map()
    const slowIsConnected = () => harness.server.clients.length === 2
    for (let n = 1; n <= 3000 && slowIsConnected(); n++) {
      published.set(n, (await harness.server.publish(CHANNEL, NUMBERED, { n, padding: PADDING })).position)
      if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    expect(slowIsConnected()).toBe(false)

    // The client hears of the cut once the pipe has drained what was already in flight.
    proxy.bytesPerSecond = 0
    await expect.poll(() => statuses, { timeout: 15_000 }).toContain('reconnecting')
    await expect.poll(() => new Set(slowSeen.received).size, { timeout: 30_000 }).toBe(published.size)
    await expect.poll(() => new Set(fastSeen.received).size, { timeout: 10_000 }).toBe(published.size)
    expect(account(published, slowSeen)).toEqual(everyMessage(published.size))
    expect(account(published, fastSeen)).toEqual(everyMessage(published.size))
    expect(slowSeen.gaps).toEqual([])
    expect(fast.stats().reconnects).toBe(fastReconnects)
  })
})
