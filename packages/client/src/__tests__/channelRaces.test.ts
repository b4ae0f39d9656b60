import { MemoryBroker } from '@lifeline/mock-server/msw'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MessageFrame } from '@lifeline/protocol'
import { RealtimeClient } from '../realtimeClient'
import type { Gap } from '../types'
import { EndingBroker } from './support/endingBroker'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, SERVER_URL, testNetwork } from './support/testNetwork'

/** A broker that reads history `delayMs` late: the server answers a subscribe that much later. */
class SlowBroker extends MemoryBroker {
  delayMs = 50
  /** Fails every read (after the delay): the server refuses the subscribe with `INTERNAL`. */
  broken = false
  override async history(...args: Parameters<MemoryBroker['history']>) {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    if (this.broken) throw new Error('history unavailable')
    return super.history(...args)
  }
}

// A channel released and subscribed again while commands and frames of the subscription before are
// still on their way: what reaches the app and what the state says.

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

describe('Channel races', () => {
  it('subscribed again right after its release, delivers each message once: none of the old subscription before the new reply', async () => {
    const { network, client } = testClient({ releaseGraceMs: 10 })
    client.connect()
    const channel = client.channel('board:1')
    const seen: number[] = []
    channel.on('moved', (data) => seen.push(data as number))
    const release = channel.subscribe()
    await settle()
    for (const n of [1, 2, 3]) await network.mock.publish('board:1', 'moved', n)
    await settle()
    release()
    await settle(10)
    expect(network.sent('unsubscribe')).toHaveLength(1)
    // The view comes back and wants the last two again.
    channel.subscribe({ rewind: 2 })
    // Message 3 again, as the old subscription sent it before the server read the unsubscribe.
    const { epoch } = (await network.mock.engine.broker.history('board:1')).position
    const late: MessageFrame = { type: 'message', channel: 'board:1', event: 'moved', data: 3, pos: { epoch, offset: 3 }, meta: { publisher: null, time: 0 } }
    network.socket.push(late)
    await settle()
    await network.mock.publish('board:1', 'moved', 4)
    await settle()
    expect(seen).toEqual([1, 2, 3, 2, 3, 4])
  })

  it('stays idle when released before the subscribe reply, and subscribes afresh the next time', async () => {
    const broker = new SlowBroker()
    const { network, client } = testClient({ releaseGraceMs: 10 }, testNetwork({ broker }))
    client.connect()
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    const channel = client.channel('board:1')
    const release = channel.subscribe()
    await settle()
    release()
    await settle(10)
    expect(network.sent('unsubscribe')).toHaveLength(1)
    // The reply of the subscribe made before the release comes now.
    await settle(50)
    expect(channel.state).toEqual({ status: 'idle', error: undefined })
    broker.delayMs = 0
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    channel.subscribe({ rewind: 1 })
    await settle()
    expect(network.sent('subscribe').at(-1)).toMatchObject({ rewind: 1 })
    expect(network.sent('subscribe').at(-1)).not.toHaveProperty('since')
    expect(seen).toEqual([1])
  })

  it('stays idle when released before a refusal arrives, and tries nothing more', async () => {
    const broker = new SlowBroker()
    broker.broken = true
    // The server logs the failed read instead of printing it.
    const logged: string[] = []
    const { network, client } = testClient({ releaseGraceMs: 10, reconnectDelay: () => 100 }, testNetwork({ broker, log: (message) => logged.push(message) }))
    client.connect()
    await settle()
    const channel = client.channel('board:1')
    const release = channel.subscribe()
    await settle()
    release()
    await settle(10)
    // The refusal (INTERNAL: the broker failed) of the subscribe made before the release comes now.
    await settle(1000)
    expect(logged).toEqual(['command failed'])
    expect(channel.state).toEqual({ status: 'idle', error: undefined })
    expect(network.sent('subscribe')).toHaveLength(1)
  })

  it('joining presence while the server ends the subscription: the end of the old one does not fail the new one, nothing is lost', async () => {
    const broker = new EndingBroker()
    const { network, client } = testClient({ reconnectDelay: () => 100 }, testNetwork({ broker }))
    client.connect()
    const channel = client.channel('board:1')
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    channel.subscribe()
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    await settle()
    // A later caller wants presence: the channel subscribes again; the server, before it reads
    // that, ends the subscription it has (its `unsubscribed` crosses the new subscribe).
    channel.subscribe({ presence: true })
    broker.endAll({ code: 'UNAVAILABLE', message: 'fan-out lost' })
    await settle(1000)
    expect(channel.state.status).toBe('subscribed')
    expect(channel.presence.members()).toEqual([expect.objectContaining({ sub: 'ada' })])
    await network.mock.publish('board:1', 'moved', 2)
    await settle()
    expect(seen).toEqual([1, 2])
  })

  it('subscribed again after an unsubscribe the server refused for now (RATE_LIMITED): ends the old server subscription and gets every message once', async () => {
    const { network, client } = testClient({ releaseGraceMs: 10, reconnectDelay: () => 100 })
    let refused = 0
    network.refuse('unsubscribe', () => (refused++ ? undefined : { code: 'RATE_LIMITED', message: 'Too many commands', retryAfterMs: 50 }))
    client.connect()
    const channel = client.channel('board:1')
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    const release = channel.subscribe()
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    await settle()
    release()
    await settle(10)
    // The server still holds the subscription; the view comes back later on the same connection.
    await settle(1000)
    channel.subscribe()
    await settle(1000)
    expect(channel.state).toEqual({ status: 'subscribed', error: undefined })
    await network.mock.publish('board:1', 'moved', 2)
    await settle()
    expect(seen).toEqual([1, 2])
    expect(network.sockets).toHaveLength(1)
  })

  it('delivers nothing after the release grace ends, though frames of the subscription still arrive before the unsubscribe reply', async () => {
    const { network, client } = testClient({ releaseGraceMs: 10 })
    client.connect()
    const channel = client.channel('board:1')
    const seen: unknown[] = []
    channel.on('moved', (data) => seen.push(data))
    channel.presence.on('change', (members) => seen.push(members.length))
    const release = channel.subscribe({ presence: true })
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    await settle()
    release()
    await settle(10)
    // What the server sent before it read the unsubscribe.
    const { epoch } = (await network.mock.engine.broker.history('board:1')).position
    network.socket.push({ type: 'message', channel: 'board:1', event: 'moved', data: 2, pos: { epoch, offset: 2 }, meta: { publisher: null, time: 0 } })
    network.socket.push({ type: 'presence', channel: 'board:1', action: 'join', member: { sub: 'bob', connections: 1 } })
    await settle()
    // Joined (1 member), the message, then emptied on release (0 members): nothing after.
    expect(seen).toEqual([1, 1, 0])
    expect(channel.state).toEqual({ status: 'idle', error: undefined })
  })

  it('after a restart that lost the channel (a new epoch), reports one gap and delivers the new epoch from its start, once and in order', async () => {
    const first = testNetwork()
    const client = new RealtimeClient({ url: SERVER_URL, transports: ['websocket'], storage: null, lifecycleTarget: null, random: () => 0.5, reconnectDelay: () => 100, getToken: () => 'token' })
    const channel = client.channel('board:1')
    const seen: string[] = []
    const gaps: Gap[] = []
    channel.on('moved', (data, meta) => seen.push(`${data}@${meta.position.offset}`))
    channel.onGap((gap) => gaps.push(gap))
    client.connect()
    channel.subscribe()
    await settle()
    const old = await first.mock.publish('board:1', 'moved', 'a')
    await settle()
    // The server restarts with empty memory, and takes publishes before the client is back.
    await closeNetwork()
    const second = testNetwork()
    const fresh = await second.mock.publish('board:1', 'moved', 'b')
    await second.mock.publish('board:1', 'moved', 'c')
    await settle(1000)
    expect(client.getSnapshot().status).toBe('connected')
    await second.mock.publish('board:1', 'moved', 'd')
    await settle()
    client.disconnect()
    expect(fresh.position.epoch).not.toBe(old.position.epoch)
    expect(gaps).toEqual([{ from: old.position, to: { epoch: fresh.position.epoch, offset: 0 } }])
    expect(seen).toEqual(['a@1', 'b@1', 'c@2', 'd@3'])
  })
})
