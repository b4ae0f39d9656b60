import { MemoryBroker } from '@lifeline/mock-server'
import { describe, expect, it, vi } from 'vitest'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { account, EMPTY_ACCOUNT } from './support/invariant'
import { publishNumbered, streaming } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const HISTORY = 50
const harness = useHarness(() => ({ broker: new MemoryBroker({ historySize: HISTORY }) }))

const CHANNEL = 'broadcasts'

describe('the history window', () => {
  it.each(['websocket', 'sse'] as const)('over %s: an absence within history is replayed; a longer one is announced as a gap', async (transport) => {
    const client = harness.client({ ...FAST, transports: [transport] })
    const { seen, published } = await streaming(harness.server, client, CHANNEL, 5)

    // Away for fewer messages than history holds: all replayed, no gap.
    client.disconnect()
    await publishNumbered(harness.server, CHANNEL, 6, 5 + HISTORY - 10, published)
    client.connect()
    await expect.poll(() => seen.received.length).toBe(published.size)
    expect(seen.gaps).toEqual([])

    // Away for more than history holds: trimmed past the last seen position, so one gap, then live.
    client.disconnect()
    const lastSeen = published.size
    await publishNumbered(harness.server, CHANNEL, lastSeen + 1, lastSeen + HISTORY + 20, published)
    client.connect()
    await expect.poll(() => seen.gaps.length).toBe(1)
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)
    await expect.poll(() => seen.received.length).toBe(lastSeen + 5)

    expect(seen.gaps[0]!.from).toEqual(published.get(lastSeen))
    expect(account(published, seen)).toEqual({ ...EMPTY_ACCOUNT, acknowledged: published.size, delivered: lastSeen + 5, gapCovered: HISTORY + 20 })
  })
})
