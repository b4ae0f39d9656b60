import { describe, expect, it, vi } from 'vitest'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { publishNumbered, verdict, watch, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness()

const CLIENTS = 6

describe('server restart', () => {
  it('every client announces exactly one gap for the lost epoch and then misses nothing', async () => {
    const watches: Watch[] = []
    for (let index = 0; index < CLIENTS; index++) {
      // Half over WebSocket, half over SSE: the restart must look the same on both.
      const client = harness.client({ ...FAST, transports: index % 2 ? ['sse'] : ['websocket'] })
      client.connect()
      watches.push(watch(client, 'leaderboard'))
    }
    await Promise.all(watches.map((seen) => seen.subscribed))
    const published = await publishNumbered(harness.server, 'leaderboard', 1, 20)
    await expect.poll(() => watches.every((seen) => seen.received.length === 20)).toBe(true)

    await harness.server.restart({ downtimeMs: 100 })
    // The in-memory history died with the old process: every client must say so with a gap.
    await expect.poll(() => watches.every((seen) => seen.gaps.length === 1), { timeout: 10_000 }).toBe(true)
    await publishNumbered(harness.server, 'leaderboard', 21, 40, published)
    await expect.poll(() => watches.every((seen) => seen.received.length >= 40), { timeout: 10_000 }).toBe(true)

    for (const seen of watches) {
      expect(verdict(published, seen)).toEqual({ published: 40, delivered: 40, lost: 0, lostUnannounced: 0, duplicated: 0, reordered: 0 })
      const [gap] = seen.gaps
      expect(gap!.from).toEqual(published.get(20))
      expect(gap!.to.epoch).not.toBe(gap!.from.epoch)
    }
  })
})
