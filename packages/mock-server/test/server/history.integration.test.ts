import type { MessageFrame, Position, SubscribeResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { resultOf, WsClient } from '@lifeline/testkit/raw'
import { MemoryBroker } from '../../src/engine/index'
import { mintToken, startServer, TestClock, useIntegrationHooks } from './support'

useIntegrationHooks()

function expectStrictlyIncreasing(messages: MessageFrame[]): void {
  for (let i = 1; i < messages.length; i++) {
    expect(messages[i]!.pos.epoch).toBe(messages[0]!.pos.epoch)
    expect(messages[i]!.pos.offset).toBeGreaterThan(messages[i - 1]!.pos.offset)
  }
}

describe('history and recovery', () => {
  /**
   * Subscribes with `since`; returns the reply and the messages replayed. The replay leaves right
   * behind the reply, so a ping's reply marks its end without adding to the channel's history.
   */
  async function resubscribe(server: Awaited<ReturnType<typeof startServer>>, channel: string, since: Position) {
    const client = await WsClient.connect(server, await mintToken('ada'))
    const reply = resultOf<SubscribeResult>(await client.command('subscribe', { channel, since }))
    await client.command('ping', {})
    return { reply, replayed: client.messages(channel) }
  }

  it('replays what came after `since` with recovered: true, then continues live', async () => {
    const server = await startServer()
    const positions: Position[] = []
    for (let i = 1; i <= 5; i++) positions.push((await server.publish('leaderboard', 'score', i)).position)
    const { reply, replayed } = await resubscribe(server, 'leaderboard', positions[1]!)
    expect(reply.recovered).toBe(true)
    expect(replayed.map((message) => message.data)).toEqual([3, 4, 5])
    expectStrictlyIncreasing(replayed)
  })

  it('answers recovered: false once history is trimmed by size', async () => {
    const server = await startServer({ broker: new MemoryBroker({ historySize: 3 }) })
    const positions: Position[] = []
    for (let i = 1; i <= 6; i++) positions.push((await server.publish('leaderboard', 'score', i)).position)
    expect((await resubscribe(server, 'leaderboard', positions[0]!)).reply.recovered).toBe(false)
    const withinHistory = await resubscribe(server, 'leaderboard', positions[2]!)
    expect(withinHistory.reply.recovered).toBe(true)
    expect(withinHistory.replayed.map((message) => message.data)).toEqual([4, 5, 6])
  })

  it('answers recovered: false once history is trimmed by age', async () => {
    const clock = new TestClock()
    const server = await startServer({ broker: new MemoryBroker({ historyTtlMs: 60_000, clock }) })
    const since = (await server.publish('leaderboard', 'score', 1)).position
    await server.publish('leaderboard', 'score', 2)
    expect((await resubscribe(server, 'leaderboard', since)).reply.recovered).toBe(true)
    clock.advance(61_000)
    const { reply, replayed } = await resubscribe(server, 'leaderboard', since)
    expect(reply.recovered).toBe(false)
    expect(replayed).toEqual([])
  })

  it('after a restart, answers recovered: false and replays the new epoch from its start', async () => {
    const server = await startServer()
    const before = (await server.publish('leaderboard', 'score', 1)).position
    await server.restart()
    const since = [2, 3]
    for (const data of since) await server.publish('leaderboard', 'score', data)
    const { reply, replayed } = await resubscribe(server, 'leaderboard', before)
    // The cursor sits before the new epoch's first message: the client reports one gap, then gets them all.
    expect(reply.recovered).toBe(false)
    expect(reply.position).toEqual({ epoch: expect.not.stringMatching(before.epoch), offset: 0 })
    expect(replayed.map((message) => [message.pos, message.data])).toEqual(since.map((data, index) => [{ epoch: reply.position.epoch, offset: index + 1 }, data]))
  })

  it('answers a position of an unknown epoch from the latest position once history no longer holds the current epoch whole', async () => {
    const broker = new MemoryBroker({ historySize: 2 })
    for (const data of [1, 2, 3]) await broker.publish({ channel: 'leaderboard', event: 'score', data })
    const history = await broker.history('leaderboard', { epoch: 'before-a-restart', offset: 7 })
    expect(history).toEqual({ recovered: false, position: { epoch: expect.any(String), offset: 3 }, publications: [] })
  })

  it('answers recovered: false for a position ahead of the channel', async () => {
    const server = await startServer()
    const { position } = await server.publish('leaderboard', 'score', 1)
    expect((await resubscribe(server, 'leaderboard', { ...position, offset: position.offset + 10 })).reply.recovered).toBe(false)
  })

  it('loses nothing published while a subscription is being set up', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    const { position } = await server.publish('leaderboard', 'score', 0)
    const subscribing = client.command('subscribe', { channel: 'leaderboard', since: position })
    const publishing = Promise.all(Array.from({ length: 50 }, (_, i) => server.publish('leaderboard', 'score', i + 1)))
    expect(resultOf<SubscribeResult>(await subscribing).recovered).toBe(true)
    await publishing
    const received = await client.messagesOf('leaderboard', 50)
    expect(received.map((message) => message.data)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    await client.command('ping', {})
    expect(client.messages('leaderboard')).toHaveLength(50)
  })
})
