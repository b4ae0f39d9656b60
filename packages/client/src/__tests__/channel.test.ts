import { MemoryBroker } from '@lifeline/mock-server/msw'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Gap } from '../types'
import type { MessageFrame, Position } from '@lifeline/protocol'
import { EndingBroker } from './support/endingBroker'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, testNetwork, type TestNetwork } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

/** A connected client with one subscribed channel that records what the app sees. */
async function subscribed(options: Parameters<typeof testClient>[0] = {}, network?: TestNetwork) {
  const setup = testClient({ reconnectDelay: () => 100, ...options }, network)
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

/** Delivers message 1, drops the socket, publishes 2 and 3 while it is down, and waits for the reconnect; returns 1's position. */
async function missTwoMessages(network: TestNetwork): Promise<Position> {
  const { position } = await network.mock.publish('board:1', 'moved', 1)
  await settle()
  network.socket.drop()
  await network.mock.publish('board:1', 'moved', 2)
  await network.mock.publish('board:1', 'moved', 3)
  await settle(100)
  return position
}

describe('Channel', () => {
  it('holds one server subscription for many subscribers and releases it a grace period after the last', async () => {
    const { network, channel, release } = await subscribed({ releaseGraceMs: 1000 })
    const second = channel.subscribe()
    expect(network.sent('subscribe')).toHaveLength(1)
    release()
    release() // a release function works once
    await settle(5000)
    expect(network.sent('unsubscribe')).toHaveLength(0)
    second()
    await settle(999)
    expect(network.sent('unsubscribe')).toHaveLength(0)
    await settle(1)
    expect(network.sent('unsubscribe')).toEqual([expect.objectContaining({ channel: 'board:1' })])
    expect(channel.state.status).toBe('idle')
  })

  it('keeps the server subscription when resubscribed within the grace period (StrictMode remount)', async () => {
    const { network, channel, release } = await subscribed({ releaseGraceMs: 1000 })
    release()
    await settle(500)
    channel.subscribe()
    await settle(5000)
    expect(network.sent('subscribe')).toHaveLength(1)
    expect(network.sent('unsubscribe')).toHaveLength(0)
    expect(channel.state.status).toBe('subscribed')
  })

  it('reports subscribing, then subscribed, and hands payload and position to handlers', async () => {
    const { network, client } = testClient()
    client.connect()
    const channel = client.channel('board:1')
    const states: string[] = []
    channel.onState((state) => states.push(state.status))
    const handler = vi.fn()
    channel.on('moved', handler)
    channel.subscribe()
    await settle()
    const { position } = await network.mock.publish('board:1', 'moved', { card: 'c1' })
    await network.mock.publish('board:1', 'other', {})
    await settle()
    expect(states).toEqual(['subscribing', 'subscribed'])
    expect(position.offset).toBe(1)
    expect(handler).toHaveBeenCalledExactlyOnceWith({ card: 'c1' }, { channel: 'board:1', event: 'moved', position, publisher: null, time: Date.now() })
  })

  it('fails with the server reason when the subscription is refused, and does not retry it', async () => {
    // The test server's users are all `ada`: `user:bob` is someone else's channel.
    const { network, client } = testClient()
    client.connect()
    const channel = client.channel('user:bob')
    channel.subscribe()
    await settle(10_000)
    expect(channel.state).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } })
    expect(network.sent('subscribe')).toHaveLength(1)
  })

  it('retries a subscription refused with a retryable error after the backoff, honouring retryAfterMs, until it is subscribed', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    const refusals = [
      { code: 'INTERNAL', message: 'broker busy' },
      { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 5000 },
    ] as const
    network.refuse('subscribe', () => refusals[network.sent('subscribe').length - 1])
    client.connect()
    const channel = client.channel('board:1')
    const states: string[] = []
    channel.onState((state) => states.push(`${state.status}${state.error ? ` ${state.error.code}` : ''}`))
    channel.subscribe()
    await settle()
    expect(network.sent('subscribe')).toHaveLength(1)
    await settle(100)
    expect(network.sent('subscribe')).toHaveLength(2)
    // The second refusal asked for 5 s: the backoff's 100 ms is not enough.
    await settle(4999)
    expect(network.sent('subscribe')).toHaveLength(2)
    await settle(1)
    expect(network.sent('subscribe')).toHaveLength(3)
    expect(states).toEqual(['subscribing', 'subscribing INTERNAL', 'subscribing RATE_LIMITED', 'subscribed'])
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    await network.mock.publish('board:1', 'moved', 1)
    await settle()
    expect(seen).toEqual([1])
  })

  it('stops retrying a refused subscription once it is released', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100, releaseGraceMs: 10 })
    network.refuse('subscribe', () => ({ code: 'INTERNAL', message: 'down' }))
    client.connect()
    const release = client.channel('board:1').subscribe()
    await settle(250)
    const attempts = network.sent('subscribe').length
    expect(attempts).toBeGreaterThan(1)
    release()
    await settle(10_000)
    expect(network.sent('subscribe')).toHaveLength(attempts)
    expect(client.channel('board:1').state.status).toBe('idle')
  })

  it('delivers a message once even when the server sends it twice', async () => {
    const { network, seen } = await subscribed()
    const { position } = await network.mock.publish('board:1', 'moved', 1)
    // The same frame again, as a replay overlapping live delivery would send it.
    const message: MessageFrame = { type: 'message', channel: 'board:1', event: 'moved', data: 1, pos: position, meta: { publisher: null, time: 0 } }
    network.socket.push(message)
    network.socket.push({ ...message, data: 2, pos: { ...position, offset: 2 } })
    network.socket.push(message)
    await settle()
    expect(seen).toEqual([1, 2])
  })

  it('resubscribes from the last position after a reconnect: missed messages once, in order, then `recovered`', async () => {
    const { network, seen, gaps, recovered } = await subscribed()
    const position = await missTwoMessages(network)
    expect(network.sent('subscribe').at(-1)).toMatchObject({ since: position })
    await network.mock.publish('board:1', 'moved', 4)
    await settle()
    expect(seen).toEqual([1, 2, 3, 4])
    expect(recovered).toEqual([position])
    expect(gaps).toEqual([])
  })

  it('emits `gap` when the server can no longer replay what was missed, then continues live', async () => {
    // A history of one message: two missed ones cannot both be replayed.
    const { network, seen, gaps, recovered } = await subscribed({}, testNetwork({ broker: new MemoryBroker({ historySize: 1 }) }))
    const position = await missTwoMessages(network)
    await network.mock.publish('board:1', 'moved', 4)
    await settle()
    expect(gaps).toEqual([{ from: position, to: { ...position, offset: 3 } }])
    expect(recovered).toEqual([])
    expect(seen).toEqual([1, 4])
  })

  it('emits `gap` up to the message before a live one that skips offsets, and delivers that one', async () => {
    const { network, seen, gaps } = await subscribed()
    const { epoch } = (await network.mock.engine.broker.history('board:1')).position
    network.socket.push({ type: 'message', channel: 'board:1', event: 'moved', data: 5, pos: { epoch, offset: 5 }, meta: { publisher: null, time: 0 } })
    await settle()
    expect(gaps).toEqual([{ from: { epoch, offset: 0 }, to: { epoch, offset: 4 } }])
    expect(seen).toEqual([5])
  })

  it('shows a subscription the server ended as an error and subscribes again from its position: nothing lost or repeated', async () => {
    const broker = new EndingBroker()
    const { network, channel, seen, gaps, recovered } = await subscribed({}, testNetwork({ broker }))
    const { position } = await network.mock.publish('board:1', 'moved', 1)
    await settle()
    broker.endAll({ code: 'UNAVAILABLE', message: 'fan-out lost' })
    await network.mock.publish('board:1', 'moved', 2)
    await settle()
    expect(channel.state).toMatchObject({ status: 'subscribing', error: { code: 'UNAVAILABLE' } })
    expect(network.sent('subscribe')).toHaveLength(1)
    await settle(100)
    expect(network.sent('subscribe').at(-1)).toMatchObject({ since: position })
    expect(channel.state).toEqual({ status: 'subscribed', error: undefined })
    await network.mock.publish('board:1', 'moved', 3)
    await settle()
    expect(seen).toEqual([1, 2, 3])
    expect(recovered).toEqual([position])
    expect(gaps).toEqual([])
  })

  it('fails a channel the server ended with FORBIDDEN, and does not subscribe again', async () => {
    const broker = new EndingBroker()
    const { network, channel } = await subscribed({}, testNetwork({ broker }))
    broker.endAll({ code: 'FORBIDDEN', message: 'access revoked' })
    await settle(10_000)
    expect(channel.state).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } })
    expect(network.sent('subscribe')).toHaveLength(1)
  })

  it('rejects invalid channel names with TypeError and returns one handle per name', () => {
    const { client } = testClient()
    expect(() => client.channel('has space')).toThrow(TypeError)
    expect(client.channel('a')).toBe(client.channel('a'))
  })

  it('used across disconnect() and connect(): resumes from its position, and a handle subscribed or published to meanwhile works on the next connection', async () => {
    const { network, client, channel, seen, gaps, recovered } = await subscribed()
    const { position } = await network.mock.publish('board:1', 'moved', 1)
    await settle()
    client.disconnect()
    await network.mock.publish('board:1', 'moved', 2)
    const other = client.channel('board:2')
    const later: unknown[] = []
    other.on('moved', (data) => later.push(data))
    other.subscribe()
    const result = channel.publish('moved', 3)
    await settle(1000)
    expect(network.sent('publish')).toEqual([])
    client.connect()
    await settle()
    await expect(result).resolves.toMatchObject({ position: { offset: 3 }, duplicate: false })
    await network.mock.publish('board:2', 'moved', 'b')
    await settle()
    expect(seen).toEqual([1, 2, 3])
    expect(later).toEqual(['b'])
    expect(recovered).toEqual([position])
    expect(gaps).toEqual([])
    expect([channel.state.status, other.state.status]).toEqual(['subscribed', 'subscribed'])
  })
})
