import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoff } from '../backoff'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

describe('backoff', () => {
  it('draws uniformly below min·2^attempt (full jitter), using the injected random', () => {
    expect(backoff(0, { minMs: 500, maxMs: 30_000 }, () => 0.5)).toBe(250)
    expect(backoff(3, { minMs: 500, maxMs: 30_000 }, () => 0.5)).toBe(2000)
    expect(backoff(3, { minMs: 500, maxMs: 30_000 }, () => 0)).toBe(0)
    expect(backoff(3, { minMs: 500, maxMs: 30_000 }, () => 0.999)).toBe(3996)
  })

  it('never exceeds the cap, even for huge attempt counts', () => {
    expect(backoff(10, { minMs: 500, maxMs: 30_000 }, () => 0.5)).toBe(15_000)
    expect(backoff(5000, { minMs: 500, maxMs: 30_000 }, () => 0.999)).toBeLessThan(30_000)
  })

})

/** Delay the client chose for its next attempt, read from the snapshot it publishes. */
const nextDelay = (client: { getSnapshot(): { retryAt: number | undefined } }) => client.getSnapshot().retryAt! - Date.now()

describe('reconnecting with backoff', () => {
  it('doubles the window after each failed attempt, up to the cap', async () => {
    const { network, client } = testClient({ reconnectDelay: { minMs: 1000, maxMs: 4000 } })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    const delays: number[] = []
    for (let attempt = 0; attempt < 5; attempt++) {
      await settle()
      delays.push(nextDelay(client))
      await settle(nextDelay(client))
    }
    expect(delays).toEqual([500, 1000, 2000, 2000, 2000])
    expect(network.sockets).toHaveLength(6)
  })

  it('accepts a function for the delay, called with the attempt and the error', async () => {
    const reconnectDelay = vi.fn((attempt: number) => 100 * (attempt + 1))
    const { network, client } = testClient({ reconnectDelay })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    await settle()
    expect(nextDelay(client)).toBe(100)
    await settle(100)
    expect(nextDelay(client)).toBe(200)
    // The only transport failed without an answer: as far as the client can tell, the server is out of reach.
    expect(reconnectDelay).toHaveBeenLastCalledWith(1, expect.objectContaining({ code: 'SERVER_UNREACHABLE' }))
  })

  it('backs off with the default window when the delay is no number, instead of retrying at once', async () => {
    // A function missing its `return`, or one that computes NaN or a negative number; a bound given as
    // undefined counts as not given (a NaN one is refused at construction: see options.test.ts).
    for (const reconnectDelay of [() => undefined as unknown as number, () => Number.NaN, () => -5, { minMs: undefined, maxMs: 1000 }]) {
      const { network, client } = testClient({ reconnectDelay })
      network.mock.faults.refuseWebSocket = true
      client.connect()
      await settle()
      // random() is 0.5: half of the default 500 ms window.
      expect(nextDelay(client)).toBe(250)
      await settle(249)
      expect(network.sockets).toHaveLength(1)
      client.disconnect()
      await closeNetwork()
    }
  })

  it('takes the default bound (500 ms, 30 s) for one left out', async () => {
    const { network, client } = testClient({ reconnectDelay: { maxMs: 1000 } })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    await settle()
    // random() is 0.5: half of the default minMs, 500.
    expect(nextDelay(client)).toBe(250)
    for (let attempt = 0; attempt < 3; attempt++) await settle(nextDelay(client))
    expect(nextDelay(client)).toBe(500)
  })

  it('stops with MAX_ATTEMPTS after maxReconnectAttempts retries failed', async () => {
    const { network, client, errors } = testClient({ maxReconnectAttempts: 2, reconnectDelay: () => 10 })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    await settle(1000)
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'MAX_ATTEMPTS' } })
    expect(network.sockets).toHaveLength(3)
    expect(errors.at(-1)).toBe('MAX_ATTEMPTS')
  })

  it('resets the attempt count only after the connection stayed up for minUptimeMs', async () => {
    const { network, client } = testClient({ minUptimeMs: 5000, reconnectDelay: { minMs: 1000, maxMs: 60_000 } })
    client.connect()
    await settle()
    // Up for 1 s only, three times in a row: the window keeps growing.
    for (let drop = 0; drop < 3; drop++) {
      await settle(1000)
      network.socket.drop()
      await settle()
      await settle(nextDelay(client))
    }
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', attempt: 3 })
    await settle(5000)
    expect(client.getSnapshot().attempt).toBe(0)
    network.socket.drop()
    await settle()
    expect(nextDelay(client)).toBe(500)
  })

  it("waits at least the server's retryAfterMs from its disconnect advice", async () => {
    const { network, client } = testClient({ reconnectDelay: { minMs: 100, maxMs: 1000 } })
    client.connect()
    await settle()
    network.mock.disconnectAll({ code: 4000, retryAfterMs: 7000 })
    await settle()
    expect(nextDelay(client)).toBe(7000)
    await settle(6999)
    expect(network.sockets).toHaveLength(1)
    await settle(1)
    expect(client.getSnapshot().status).toBe('connected')
  })

  it("waits at least the retryAfterMs of a refused connect (RATE_LIMITED)", async () => {
    const { network, client, errors } = testClient({ reconnectDelay: { minMs: 100, maxMs: 1000 } })
    network.refuse('connect', () => ({ code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 3000 }))
    client.connect()
    await settle()
    expect(errors).toEqual(['RATE_LIMITED'])
    expect(nextDelay(client)).toBe(3000)
  })

  it('comes back at once, spread over retryAfterMs, when the server says "reconnect now" (4100-4199)', async () => {
    const { network, client } = testClient({ reconnectDelay: { minMs: 10_000, maxMs: 60_000 } })
    client.connect()
    await settle()
    network.mock.disconnectAll({ code: 4100, retryAfterMs: 2000 })
    await settle()
    // random() is 0.5: the middle of the server's window, not the (much longer) backoff.
    expect(nextDelay(client)).toBe(1000)
  })
})
