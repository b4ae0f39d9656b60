import { describe, expect, it, vi } from 'vitest'
import type { TokenReason } from '../../src/index'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { account, everyMessage } from './support/invariant'
import { publishNumbered, publishUntil, watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness()

const CHANNEL = 'user:ada'

describe.each(['websocket', 'sse'] as const)('token expiry mid-stream over %s', (transport) => {
  /** A connected client whose tokens live 3 s, subscribed to the channel; `reasons` lists its getToken calls. */
  async function shortLivedClient() {
    const reasons: TokenReason[] = []
    const client = harness.client({
      ...FAST,
      transports: [transport],
      getToken: ({ reason }) => {
        reasons.push(reason)
        return harness.token('ada', { expiresInSeconds: 3 })
      },
    })
    client.connect()
    const seen = watch(client, CHANNEL)
    await seen.subscribed
    return { client, reasons, seen }
  }

  it('refreshes in-band before expiry: the stream never breaks', async () => {
    const { client, reasons, seen } = await shortLivedClient()
    // Two refreshes means the connection outlived two of its tokens.
    const published = await publishNumbered(harness.server, CHANNEL, 1, 1)
    await publishUntil(harness.server, CHANNEL, published, () => reasons.filter((reason) => reason === 'refresh').length >= 2, { paceMs: 50, max: 400 })
    await expect.poll(() => seen.received.length).toBe(published.size)
    expect(account(published, seen)).toEqual(everyMessage(published.size))
    expect(client.stats().reconnects).toBe(0)
  })

  it('after the server expires the token it fetches a new one, reconnects and recovers', async () => {
    const { client, reasons, seen } = await shortLivedClient()
    const published = await publishNumbered(harness.server, CHANNEL, 1, 10)
    harness.server.expireTokens()
    await publishUntil(harness.server, CHANNEL, published, () => reasons.includes('rejected') && client.getSnapshot().status === 'connected')
    await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 5, published)
    await expect.poll(() => new Set(seen.received).size).toBe(published.size)
    expect(account(published, seen)).toEqual(everyMessage(published.size))
    expect(seen.gaps).toEqual([])
    expect(client.getSnapshot().status).toBe('connected')
  })
})
