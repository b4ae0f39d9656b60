import { describe, expect, it } from 'vitest'
import type { RealtimeClient } from '../src/index'
import { useHarness, until } from './support/harness'

const CLIENTS = 1000
/** Backoff window of the first reconnect: full jitter spreads the crowd uniformly over it. */
const WINDOW_MS = 3000
const BUCKET_MS = 100

// Any token names its user: JWT signing and checking for 2,000 handshakes would only load the CPU.
// The server requires tokens that expire, whichever verifier read them: an hour from now.
const harness = useHarness({ verifyToken: async (token) => ({ sub: token, roles: [], exp: Date.now() / 1000 + 3600 }) })

/** How many of `times` (ms) fall in each `BUCKET_MS` bucket, busiest first. */
function bucketCounts(times: number[]): number[] {
  const buckets = new Map<number, number>()
  for (const at of times) buckets.set(Math.floor(at / BUCKET_MS), (buckets.get(Math.floor(at / BUCKET_MS)) ?? 0) + 1)
  return [...buckets.values()].sort((a, b) => b - a)
}

describe('a crowd dropped at once', () => {
  it('reconnects spread over the backoff window, with no thundering herd', { timeout: 120_000 }, async () => {
    const { server } = harness
    const clients: RealtimeClient[] = []
    // Connected in batches of 100, so setting up is not itself a storm.
    for (let batch = 0; batch < CLIENTS / 100; batch++) {
      for (let index = 0; index < 100; index++) {
        const client = harness.client({ transports: ['websocket'], getToken: () => `user${clients.length}`, reconnectDelay: { minMs: WINDOW_MS, maxMs: WINDOW_MS } })
        clients.push(client)
        client.connect()
      }
      await server.connected({ count: clients.length })
    }

    // Each client's planned attempt time, measured from the moment it learned of the drop. The
    // server's own view of the returns is skewed by this one process running 1,000 clients and
    // the server on a shared machine, so it only backs up the plan below, loosely.
    const planned: number[] = []
    for (const client of clients) {
      const stop = client.on('status', ({ status }) => {
        if (status !== 'reconnecting') return
        stop()
        planned.push(client.getSnapshot().retryAt! - Date.now())
      })
    }
    const returns: number[] = []
    const droppedAt = performance.now()
    server.engine.onSession((event) => event === 'open' && returns.push(performance.now() - droppedAt))
    server.disconnectAll({ code: 4000, reason: 'server error: back off' })
    await until(() => returns.length === CLIENTS, 60_000, 'every client back')

    expect(planned).toHaveLength(CLIENTS)
    expect(planned.every((delay) => delay >= 0 && delay < WINDOW_MS)).toBe(true)
    // Uniform over 3 s is ~33 per 100 ms bucket; a herd would put hundreds in one.
    const plan = bucketCounts(planned)
    expect(plan).toHaveLength(WINDOW_MS / BUCKET_MS)
    expect(plan[0]).toBeLessThanOrEqual(CLIENTS * 0.07)
    expect(plan.at(-1)).toBeGreaterThanOrEqual(CLIENTS * 0.01)
    // As the server saw it: never most of the crowd within one 100 ms.
    expect(bucketCounts(returns)[0]).toBeLessThanOrEqual(CLIENTS * 0.25)
    expect(clients.every((client) => client.getSnapshot().status === 'connected')).toBe(true)
  })
})
