import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Gap } from '../channel'
import type { Position } from '@lifeline/protocol'
import { settle, testClient } from './support/testClient'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** A connected client with one subscribed channel that records what the app sees. */
async function subscribed(options: Parameters<typeof testClient>[0] = {}) {
  const setup = testClient({ reconnectDelay: () => 100, ...options })
  const { client } = setup
  client.connect()
  // sample: channel
  const channel = client.channel('board:1')
  const seen: unknown[] = []
  const gaps: Gap[] = []
  const recovered: Position[] = []
  channel.on('moved', (data) => seen.push(data))
  channel.onGap((gap) => gaps.push(gap))
  channel.onRecovered((position) => recovered.push(position))
  const release = channel.subscribe()
  // end sample
  await settle()
  return { ...setup, channel, seen, gaps, recovered, release }
}

describe('Channel', () => {
  it('holds one server subscription for many subscribers and releases it a grace period after the last', async () => {
    const { server, channel, release } = await subscribed({ releaseGraceMs: 1000 })
    const second = channel.subscribe()
    expect(server.sent('subscribe')).toHaveLength(1)
    release()
    release() // a release function works once
    await settle(5000)
    expect(server.sent('unsubscribe')).toHaveLength(0)
    second()
    await settle(999)
    expect(server.sent('unsubscribe')).toHaveLength(0)
    await settle(1)
    expect(server.sent('unsubscribe')).toEqual([expect.objectContaining({ channel: 'board:1' })])
    expect(channel.state.status).toBe('idle')
  })

  it('keeps the server subscription when resubscribed within the grace period (StrictMode remount)', async () => {
    const { server, channel, release } = await subscribed({ releaseGraceMs: 1000 })
    release()
    await settle(500)
    channel.subscribe()
    await settle(5000)
    expect(server.sent('subscribe')).toHaveLength(1)
    expect(server.sent('unsubscribe')).toHaveLength(0)
    expect(channel.state.status).toBe('subscribed')
  })

  it('reports subscribing, then subscribed, and hands payload and position to handlers', async () => {
    const { server, client } = testClient()
    client.connect()
    const channel = client.channel('board:1')
    const states: string[] = []
    channel.onState((state) => states.push(state.status))
    const handler = vi.fn()
    channel.on('moved', handler)
    channel.subscribe()
    await settle()
    server.publish('board:1', 'moved', { card: 'c1' })
    server.publish('board:1', 'other', {})
    await settle()
    expect(states).toEqual(['subscribing', 'subscribed'])
    expect(handler).toHaveBeenCalledExactlyOnceWith({ card: 'c1' }, { channel: 'board:1', event: 'moved', position: { epoch: 'e1', offset: 1 }, publisher: null, time: Date.now() })
  })

  it('fails with the server reason when the subscription is refused, and does not retry it', async () => {
    const { server, client } = testClient()
    server.handlers.subscribe = () => ({ error: { code: 'FORBIDDEN', message: 'not yours' } })
    client.connect()
    const channel = client.channel('user:bob')
    channel.subscribe()
    await settle(10_000)
    expect(channel.state).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } })
    expect(server.sent('subscribe')).toHaveLength(1)
  })

  it('retries a subscription refused with a retryable error after the backoff, honouring retryAfterMs, until it is subscribed', async () => {
    const { server, client } = testClient({ reconnectDelay: () => 100 })
    const refusals = [
      { code: 'INTERNAL', message: 'broker busy' },
      { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 5000 },
    ] as const
    server.handlers.subscribe = () => {
      const error = refusals[server.sent('subscribe').length - 1]
      return error ? { error } : undefined
    }
    client.connect()
    const channel = client.channel('board:1')
    const states: string[] = []
    channel.onState((state) => states.push(`${state.status}${state.error ? ` ${state.error.code}` : ''}`))
    channel.subscribe()
    await settle()
    expect(server.sent('subscribe')).toHaveLength(1)
    await settle(100)
    expect(server.sent('subscribe')).toHaveLength(2)
    // The second refusal asked for 5 s: the backoff's 100 ms is not enough.
    await settle(4999)
    expect(server.sent('subscribe')).toHaveLength(2)
    await settle(1)
    expect(server.sent('subscribe')).toHaveLength(3)
    expect(states).toEqual(['subscribing', 'subscribing INTERNAL', 'subscribing RATE_LIMITED', 'subscribed'])
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    server.publish('board:1', 'moved', 1)
    await settle()
    expect(seen).toEqual([1])
  })

  it('stops retrying a refused subscription once it is released', async () => {
    const { server, client } = testClient({ reconnectDelay: () => 100, releaseGraceMs: 10 })
    server.handlers.subscribe = () => ({ error: { code: 'INTERNAL', message: 'down' } })
    client.connect()
    const release = client.channel('board:1').subscribe()
    await settle(250)
    const attempts = server.sent('subscribe').length
    expect(attempts).toBeGreaterThan(1)
    release()
    await settle(10_000)
    expect(server.sent('subscribe')).toHaveLength(attempts)
    expect(client.channel('board:1').state.status).toBe('idle')
  })

  it('delivers a message once even when the server sends it twice', async () => {
    const { server, seen } = await subscribed()
    const message = { type: 'message', channel: 'board:1', event: 'moved', data: 1, pos: { epoch: 'e1', offset: 1 }, meta: { publisher: null, time: 0 } } as const
    server.socket.push(message)
    server.socket.push(message)
    server.socket.push({ ...message, data: 2, pos: { epoch: 'e1', offset: 2 } })
    server.socket.push(message)
    await settle()
    expect(seen).toEqual([1, 2])
  })

  it('resubscribes from the last position after a reconnect: missed messages once, in order, then `recovered`', async () => {
    const { server, seen, gaps, recovered } = await subscribed()
    server.publish('board:1', 'moved', 1)
    await settle()
    server.socket.drop()
    server.publish('board:1', 'moved', 2)
    server.publish('board:1', 'moved', 3)
    await settle(100)
    expect(server.sent('subscribe').at(-1)).toMatchObject({ since: { epoch: 'e1', offset: 1 } })
    server.publish('board:1', 'moved', 4)
    await settle()
    expect(seen).toEqual([1, 2, 3, 4])
    expect(recovered).toEqual([{ epoch: 'e1', offset: 1 }])
    expect(gaps).toEqual([])
  })

  it('emits `gap` when the server can no longer replay what was missed, then continues live', async () => {
    const { server, seen, gaps, recovered } = await subscribed()
    server.publish('board:1', 'moved', 1)
    await settle()
    server.socket.drop()
    server.publish('board:1', 'moved', 2)
    server.trimHistory('board:1')
    await settle(100)
    server.publish('board:1', 'moved', 3)
    await settle()
    expect(gaps).toEqual([{ from: { epoch: 'e1', offset: 1 }, to: { epoch: 'e1', offset: 2 } }])
    expect(recovered).toEqual([])
    expect(seen).toEqual([1, 3])
  })

  it('emits `gap` when a live message skips offsets', async () => {
    const { server, seen, gaps } = await subscribed()
    server.socket.push({ type: 'message', channel: 'board:1', event: 'moved', data: 5, pos: { epoch: 'e1', offset: 5 }, meta: { publisher: null, time: 0 } })
    await settle()
    expect(gaps).toEqual([{ from: { epoch: 'e1', offset: 0 }, to: { epoch: 'e1', offset: 5 } }])
    expect(seen).toEqual([5])
  })

  it('rejects invalid channel names with TypeError and returns one handle per name', () => {
    const { client } = testClient()
    expect(() => client.channel('has space')).toThrow(TypeError)
    expect(client.channel('a')).toBe(client.channel('a'))
  })
})
