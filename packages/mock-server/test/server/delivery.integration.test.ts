import type { MessageFrame, Position, PublishResult, SubscribeResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { openRawStream, request, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { MemoryBroker, systemClock } from '../../src/engine/index'
import { eventually, mintToken, startServer, TestClock, useIntegrationHooks } from './support'

useIntegrationHooks()

const offsets = (messages: MessageFrame[]) => messages.map((message) => message.pos.offset)

function expectStrictlyIncreasing(messages: MessageFrame[]): void {
  for (let i = 1; i < messages.length; i++) {
    expect(messages[i]!.pos.epoch).toBe(messages[0]!.pos.epoch)
    expect(messages[i]!.pos.offset).toBeGreaterThan(messages[i - 1]!.pos.offset)
  }
}

describe('fan-out', () => {
  it('delivers every message once, in order, to many WebSocket and SSE subscribers', async () => {
    const server = await startServer()
    const sockets = await Promise.all(Array.from({ length: 30 }, async (_, i) => WsClient.connect(server, await mintToken(`ws${i}`))))
    const streams = await Promise.all(Array.from({ length: 8 }, async (_, i) => SseClient.connect(server, await mintToken(`sse${i}`))))
    for (const socket of sockets) expect((await socket.command('subscribe', { channel: 'leaderboard' })).ok).toBe(true)
    for (const stream of streams) expect((await stream.command(server, 'subscribe', { channel: 'leaderboard' })).ok).toBe(true)

    for (let i = 0; i < 20; i++) await server.publish('leaderboard', 'score', { i })

    for (const client of [...sockets, ...streams]) {
      const received = await client.messagesOf('leaderboard', 20)
      expect(received.map((message) => (message.data as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(offsets(received)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      expectStrictlyIncreasing(received)
    }
  })

  it('uses the position as the SSE event id', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('grace'))
    await client.command(server, 'subscribe', { channel: 'user:grace' })
    await server.publish('user:grace', 'note', 'a')
    await server.publish('user:grace', 'note', 'b')
    const received = await client.messagesOf('user:grace', 2)
    expect(client.eventIds).toEqual(received.map(({ pos }) => `${pos.epoch}:${pos.offset}:user:grace`))
  })

  it('delivers messages a client publishes to the other subscribers, across transports', async () => {
    const server = await startServer()
    const writer = await WsClient.connect(server, await mintToken('ada'))
    const reader = await SseClient.connect(server, await mintToken('grace'))
    await reader.command(server, 'subscribe', { channel: 'board:7' })
    const published = resultOf<PublishResult>(await writer.command('publish', { channel: 'board:7', event: 'card_moved', data: { card: 'c1' }, key: 'p1' }))
    const [message] = await reader.messagesOf('board:7', 1)
    expect(message).toMatchObject({ event: 'card_moved', data: { card: 'c1' }, pos: published.position })
  })
})

describe('one publication to many subscribers', () => {
  /** Messages stamped at one known time, so the whole text of a frame is known in advance. */
  const STAMPED_AT = Date.now()
  const stampingBroker = () => new MemoryBroker({ clock: { ...systemClock, now: () => STAMPED_AT } })
  /** The `message` frame as docs/protocol.md lays it out, serialized. */
  const wireText = (channel: string, event: string, data: unknown, pos: Position) => JSON.stringify({ type: 'message', channel, event, data, pos, meta: { publisher: null, time: STAMPED_AT } })

  it('arrives at every WebSocket subscriber as the same text frame, with its own channel', async () => {
    const server = await startServer({ broker: stampingBroker() })
    const texts = new Map<WsClient, { text: string; binary: boolean }[]>()
    const subscribe = async (name: string, channel: string) => {
      const client = await WsClient.connect(server, await mintToken(name))
      const received: { text: string; binary: boolean }[] = []
      client.socket.on('message', (data, isBinary) => {
        const text = data.toString()
        if (text.startsWith('{"type":"message"')) received.push({ text, binary: isBinary })
      })
      texts.set(client, received)
      expect((await client.command('subscribe', { channel })).ok).toBe(true)
      return client
    }
    const boards = await Promise.all(Array.from({ length: 5 }, (_, i) => subscribe(`board${i}`, 'board:1')))
    const leaders = await Promise.all(Array.from({ length: 5 }, (_, i) => subscribe(`leader${i}`, 'leaderboard')))
    // Interleaved, so a frame built for one channel's publication is never reused for the other's.
    const positions: { board: Position; leader: Position }[] = []
    for (let i = 0; i < 3; i++) {
      const board = (await server.publish('board:1', 'card', { i, text: 'é✓' })).position
      const leader = (await server.publish('leaderboard', 'score', { i })).position
      positions.push({ board, leader })
    }
    const expected = (client: WsClient) =>
      boards.includes(client)
        ? positions.map(({ board }, i) => wireText('board:1', 'card', { i, text: 'é✓' }, board))
        : positions.map(({ leader }, i) => wireText('leaderboard', 'score', { i }, leader))
    for (const client of [...boards, ...leaders]) {
      await client.messagesOf(boards.includes(client) ? 'board:1' : 'leaderboard', 3)
      expect(texts.get(client)).toEqual(expected(client).map((text) => ({ text, binary: false })))
    }
  })

  // A message frame with its server stamp is never under 126 bytes: the 7-bit length is never used.
  it('arrives whole over WebSocket at every size a frame length can take (16-bit, 64-bit)', async () => {
    // Publications may be as large as a frame: above 65,536 bytes takes a larger limit.
    const server = await startServer({ maxFrameBytes: 128 * 1024, broker: stampingBroker() })
    const received: { text: string; binary: boolean }[] = []
    const client = await WsClient.connect(server, await mintToken('ada'))
    client.socket.on('message', (data, isBinary) => received.push({ text: data.toString(), binary: isBinary }))
    expect((await client.command('subscribe', { channel: 'leaderboard' })).ok).toBe(true)
    const first = await server.publish('leaderboard', 'blob', '')
    const texts = [wireText('leaderboard', 'blob', '', first.position)]
    // Payloads of exactly these many bytes: each side of the 65,536 boundary, and beyond.
    const sizes = [65_535, 65_536, 70_000]
    const overhead = Buffer.byteLength(texts[0]!)
    for (const size of sizes) {
      const data = `é${'x'.repeat(size - overhead - 2)}`
      const { position } = await server.publish('leaderboard', 'blob', data)
      texts.push(wireText('leaderboard', 'blob', data, position))
    }
    expect(texts.slice(1).map((text) => Buffer.byteLength(text))).toEqual(sizes)
    await client.messagesOf('leaderboard', texts.length)
    expect(received.filter(({ text }) => text.startsWith('{"type":"message"'))).toEqual(texts.map((text) => ({ text, binary: false })))
  })

  it('arrives over WebSocket in order when published within one turn, ahead of a disconnect sent in that turn', async () => {
    const server = await startServer()
    const clients = await Promise.all([0, 1, 2].map(async (i) => WsClient.connect(server, await mintToken(`burst${i}`))))
    for (const client of clients) expect((await client.command('subscribe', { channel: 'leaderboard' })).ok).toBe(true)
    // No await in between: one turn publishes 50 messages and then disconnects everyone.
    const publishes = Array.from({ length: 50 }, (_, i) => server.publish('leaderboard', 'score', { i }))
    server.disconnectAll({ reason: 'burst over' })
    await Promise.all(publishes)
    for (const client of clients) {
      expect((await client.closed).code).toBe(4101)
      const after = client.frames.slice(client.frames.findIndex((frame) => frame.type === 'message'))
      expect(after.map((frame) => (frame.type === 'message' ? (frame.data as { i: number }).i : frame.type))).toEqual([...Array.from({ length: 50 }, (_, i) => i), 'disconnect'])
    }
  })

  it('arrives at every SSE subscriber as the same event, with the position as its id', async () => {
    const server = await startServer({ broker: stampingBroker() })
    const token = await mintToken('grace')
    const streams = await Promise.all(Array.from({ length: 3 }, () => openRawStream(server, token)))
    for (const stream of streams) {
      const session = await eventually(() => {
        const found = /"session":"([^"]+)"/.exec(stream.text())
        if (!found) throw new Error(`no connect reply yet: ${stream.text()}`)
        return found[1]!
      })
      const subscribing = await request(server, '/sse/send', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'lifeline-session': session },
        body: JSON.stringify({ id: 2, type: 'subscribe', channel: 'user:grace' }),
      })
      expect(subscribing.status).toBe(202)
      await eventually(() => expect(stream.text()).toContain('"id":2,"ok":true'))
    }
    const { position } = await server.publish('user:grace', 'note', { text: 'é✓' })
    const event = `id: ${position.epoch}:${position.offset}:user:grace\ndata: ${wireText('user:grace', 'note', { text: 'é✓' }, position)}\n\n`
    for (const stream of streams) await eventually(() => expect(stream.text()).toContain(event))
  })
})

describe('broker fan-out while subscribers change', () => {
  it('gives a publication to the listeners there when it was published, even if one leaves or joins meanwhile', async () => {
    const broker = new MemoryBroker()
    const heard: string[] = []
    let unsubscribeLate = () => {}
    const subscribe = (name: string, onHear?: () => Promise<void> | void) =>
      broker.subscribe('leaderboard', (publication) => {
        heard.push(`${name}:${String(publication.data)}`)
        void onHear?.()
      })
    await subscribe('first', async () => {
      // The first publication makes `late` leave and a newcomer join, in the middle of the loop.
      if (heard.length === 1) {
        unsubscribeLate()
        await subscribe('newcomer')
      }
    })
    unsubscribeLate = await subscribe('late')
    await broker.publish({ channel: 'leaderboard', event: 'score', data: 'a' })
    await broker.publish({ channel: 'leaderboard', event: 'score', data: 'b' })
    expect(heard).toEqual(['first:a', 'late:a', 'first:b', 'newcomer:b'])
    await broker.close()
  })
})

describe('idempotent publish', () => {
  it('acknowledges a repeated key twice but delivers the message once', async () => {
    const server = await startServer()
    const writer = await WsClient.connect(server, await mintToken('ada'))
    const reader = await WsClient.connect(server, await mintToken('grace'))
    await reader.command('subscribe', { channel: 'board:1' })
    const first = resultOf<PublishResult>(await writer.command('publish', { channel: 'board:1', event: 'e', data: 1, key: 'same' }))
    const again = resultOf<PublishResult>(await writer.command('publish', { channel: 'board:1', event: 'e', data: 1, key: 'same' }))
    expect(first.duplicate).toBe(false)
    expect(again).toEqual({ position: first.position, duplicate: true })
    // A later message with a fresh key marks the point by which a duplicate would have arrived.
    await writer.command('publish', { channel: 'board:1', event: 'e', data: 2, key: 'other' })
    const received = await reader.messagesOf('board:1', 2)
    expect(received.map((message) => message.data)).toEqual([1, 2])
  })

  it('drops a repeated key on the server-side publish API too', async () => {
    const server = await startServer({ apiKey: 'api-key' })
    const reader = await WsClient.connect(server, await mintToken('ada'))
    await reader.command('subscribe', { channel: 'broadcasts' })
    const publish = (data: number, key: string) =>
      request(server, '/publish', { method: 'POST', headers: { authorization: 'Bearer api-key' }, body: JSON.stringify({ channel: 'broadcasts', event: 'news', data, key }) })
    const first = await publish(1, 'k')
    const again = await publish(1, 'k')
    expect(first.status).toBe(200)
    expect(again.body).toEqual({ position: first.body.position, duplicate: true })
    await publish(2, 'k2')
    expect((await reader.messagesOf('broadcasts', 2)).map((message) => message.data)).toEqual([1, 2])
  })

  it("scopes keys per publisher: another user's same key, or the API's, is a publish of its own", async () => {
    const server = await startServer({ apiKey: 'api-key' })
    const reader = await WsClient.connect(server, await mintToken('reader'))
    await reader.command('subscribe', { channel: 'board:2' })
    const ada = await WsClient.connect(server, await mintToken('ada'))
    const mallory = await WsClient.connect(server, await mintToken('mallory'))
    const publish = (client: WsClient, data: string) => client.command('publish', { channel: 'board:2', event: 'e', data, key: 'k-1' }).then(resultOf<PublishResult>)
    const first = await publish(ada, 'ada')
    expect(await publish(mallory, 'mallory')).toMatchObject({ duplicate: false })
    const api = await request(server, '/publish', { method: 'POST', headers: { authorization: 'Bearer api-key' }, body: JSON.stringify({ channel: 'board:2', event: 'e', data: 'api', key: 'k-1' }) })
    expect(api.body).toMatchObject({ duplicate: false })
    // A user whose name looks like a scope joined with a key is still another publisher.
    const tricky = await WsClient.connect(server, await mintToken('ada:k'))
    expect(await tricky.command('publish', { channel: 'board:2', event: 'e', data: 'tricky', key: '-1' }).then(resultOf<PublishResult>)).toMatchObject({ duplicate: false })
    expect(await publish(ada, 'ada')).toEqual({ position: first.position, duplicate: true })
    expect((await reader.messagesOf('board:2', 4)).map((message) => message.data)).toEqual(['ada', 'mallory', 'api', 'tricky'])
  })
})

describe('idempotency window', () => {
  it('delivers a repeated key again once the window has passed', async () => {
    const clock = new TestClock()
    const server = await startServer({ broker: new MemoryBroker({ idempotencyWindowMs: 60_000, clock }) })
    const first = await server.publish('broadcasts', 'news', 1, 'same')
    expect((await server.publish('broadcasts', 'news', 1, 'same')).duplicate).toBe(true)
    clock.advance(61_000)
    const later = await server.publish('broadcasts', 'news', 1, 'same')
    expect(later.duplicate).toBe(false)
    expect(later.position.offset).toBe(first.position.offset + 1)
  })
})

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
