import type { MessageFrame, Position, PublishResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { openRawStream, request, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { MemoryBroker, systemClock } from '../../src/engine/index'
import { eventually, mintToken, startServer, useIntegrationHooks } from './support'

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
