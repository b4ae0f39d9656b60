import { describe, expect, it, vi } from 'vitest'
import type { RealtimeClient } from '../../src/index'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { account, everyMessage, sum } from './support/invariant'
import { publishNumbered, watch, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness()

const CLIENTS = 1000
const SPREAD_MS = 2000
const BUCKETS = 10
const CHANNEL = 'broadcasts'

describe('1,000 clients cut at once', () => {
  it('come back spread over the advised window and miss nothing', { timeout: 120_000 }, async () => {
    const clients: RealtimeClient[] = []
    const watches: Watch[] = []
    for (let index = 0; index < CLIENTS; index++) {
      const client = harness.client({ ...FAST, transports: ['websocket'], sub: `user${index}` })
      client.connect()
      clients.push(client)
      watches.push(watch(client, CHANNEL))
    }
    await Promise.all(watches.map((seen) => seen.subscribed))
    const published = await publishNumbered(harness.server, CHANNEL, 1, 3)

    // When each client plans to return, measured from the moment it heard of the cut.
    const delays: number[] = []
    for (const client of clients) {
      const stop = client.on('status', ({ status }) => {
        if (status !== 'reconnecting') return
        stop()
        delays.push(client.getSnapshot().retryAt! - Date.now())
      })
    }
    harness.server.disconnectAll({ code: 4101, reason: 'rebalancing', retryAfterMs: SPREAD_MS })
    await expect.poll(() => delays.length, { timeout: 20_000 }).toBe(CLIENTS)
    // Full jitter over the advised window, not a stampede: every tenth of it gets about a tenth.
    const buckets = new Array<number>(BUCKETS).fill(0)
    for (const delay of delays) buckets[Math.min(BUCKETS - 1, Math.max(0, Math.floor((delay / SPREAD_MS) * BUCKETS)))]! += 1
    const fairShare = CLIENTS / BUCKETS
    expect(Math.max(...buckets)).toBeLessThan(fairShare * 1.5)
    expect(Math.min(...buckets)).toBeGreaterThan(fairShare * 0.5)

    await publishNumbered(harness.server, CHANNEL, 4, 6, published)
    await harness.server.connected({ count: CLIENTS })
    await publishNumbered(harness.server, CHANNEL, 7, 9, published)
    await expect.poll(() => watches.every((seen) => new Set(seen.received).size === 9), { timeout: 30_000 }).toBe(true)
    expect(sum(watches.map((seen) => account(published, seen)))).toEqual(everyMessage(9 * CLIENTS))
    expect(watches.flatMap((seen) => seen.gaps)).toEqual([])
  })
})
