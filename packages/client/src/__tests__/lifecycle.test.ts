import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

const pageEvent = (type: 'pagehide' | 'pageshow') => Object.assign(new Event(type), { persisted: true })

/** A connected client listening to lifecycle events on its own target. */
async function connected(options: Parameters<typeof testClient>[0] = {}) {
  const target = new EventTarget()
  const setup = testClient({ lifecycleTarget: target, reconnectDelay: { minMs: 60_000, maxMs: 60_000 }, ...options })
  setup.client.connect()
  await settle()
  return { ...setup, target }
}

describe('page and network lifecycle', () => {
  it('goes offline without retrying while the browser is offline, and reconnects at once on `online`', async () => {
    const { network, client, target } = await connected()
    target.dispatchEvent(new Event('offline'))
    expect(client.getSnapshot().status).toBe('offline')
    await settle()
    expect(network.sockets[0]!.open).toBe(false)
    await settle(10 * 60_000)
    expect(network.sockets).toHaveLength(1)
    target.dispatchEvent(new Event('online'))
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected' })
    expect(network.sockets).toHaveLength(2)
  })

  it('reconnects at once on `online` while waiting out a backoff (no `offline` came first), and pings a connection it finds open', async () => {
    const { network, client, target } = await connected()
    // The network went away without an `offline` event (a Wi-Fi switch): the client backs off.
    network.mock.faults.refuseWebSocket = true
    network.socket.drop()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryAt: Date.now() + 30_000 })
    network.mock.faults.refuseWebSocket = false
    target.dispatchEvent(new Event('online'))
    await settle()
    expect(client.getSnapshot().status).toBe('connected')
    expect(network.sockets).toHaveLength(2)
    // The network under an open connection changed: the client asks it at once.
    target.dispatchEvent(new Event('online'))
    await settle()
    expect(network.sent('ping')).toHaveLength(1)
    expect(network.sockets).toHaveLength(2)
  })

  it('closes the connection on pagehide into the back/forward cache and reconnects on pageshow', async () => {
    const { network, client, target } = await connected()
    target.dispatchEvent(pageEvent('pagehide'))
    expect(client.getSnapshot().status).toBe('reconnecting')
    await settle()
    expect(network.sockets[0]!.open).toBe(false)
    await settle(120_000)
    expect(network.sockets).toHaveLength(1)
    target.dispatchEvent(pageEvent('pageshow'))
    await settle()
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('does not count trips through the back/forward cache or returns to the page as failed attempts (maxReconnectAttempts)', async () => {
    const { network, client, target } = await connected({ maxReconnectAttempts: 2 })
    for (let trip = 0; trip < 4; trip++) {
      target.dispatchEvent(pageEvent('pagehide'))
      target.dispatchEvent(pageEvent('pageshow'))
      await settle()
      expect(client.getSnapshot()).toMatchObject({ status: 'connected', attempt: 0 })
    }
    target.dispatchEvent(new Event('offline'))
    target.dispatchEvent(new Event('online'))
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', attempt: 0 })
    expect(network.sockets).toHaveLength(6)
  })

  it('ignores a pagehide that is not entering the back/forward cache', async () => {
    const { network, target } = await connected()
    target.dispatchEvent(new Event('pagehide'))
    await settle()
    expect(network.socket.open).toBe(true)
  })

  it('retries at once instead of waiting out the backoff when the page becomes visible', async () => {
    const { network, client } = await connected({ lifecycleTarget: window })
    network.mock.faults.refuseWebSocket = true
    network.socket.drop()
    await settle()
    expect(client.getSnapshot().status).toBe('reconnecting')
    network.mock.faults.refuseWebSocket = false
    document.dispatchEvent(new Event('visibilitychange'))
    await settle()
    expect(document.visibilityState).toBe('visible')
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('detects a wake from sleep by timer drift and retries at once', async () => {
    const { network, client } = await connected()
    network.socket.drop()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryAt: Date.now() + 30_000 })
    // The machine sleeps: the clock jumps while timers stand still.
    vi.setSystemTime(Date.now() + 40_000)
    // The sleep detector's next tick, plus 1 ms: fake timers run a 0 ms timer set inside a timer 1 ms later.
    await settle(2001)
    expect(client.getSnapshot().status).toBe('connected')
    expect(network.sockets).toHaveLength(2)
  })

  it('does not mistake a merely busy page for a wake', async () => {
    const { network, client } = await connected()
    network.socket.drop()
    await settle()
    vi.setSystemTime(Date.now() + 5000)
    await settle(2001)
    expect(client.getSnapshot().status).toBe('reconnecting')
    expect(network.sockets).toHaveLength(1)
  })

  it('stops listening on disconnect()', async () => {
    const { network, client, target } = await connected()
    client.disconnect()
    target.dispatchEvent(new Event('offline'))
    target.dispatchEvent(new Event('online'))
    await settle(60_000)
    expect(client.getSnapshot().status).toBe('disconnected')
    expect(network.sockets).toHaveLength(1)
  })
})
