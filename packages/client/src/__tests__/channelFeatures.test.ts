import { createMswHandlers, DEFAULT_JWT_SECRET, signToken, type MswHandlers } from '@lifeline/mock-server/msw'
import { setupServer, type SetupServer } from 'msw/node'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RealtimeClient, type MessageMeta, type PresenceMember } from '../index'

// rewind, server-stamped metadata, presence, onAny and once, against the MSW handlers: the
// protocol engine of the mock server, in process.

let mock: MswHandlers
let network: SetupServer
const clients: RealtimeClient[] = []

beforeEach(() => {
  mock = createMswHandlers({ url: 'http://realtime.test' })
  network = setupServer(...mock.handlers)
  network.listen({ onUnhandledRequest: 'error' })
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect()
  await mock.close()
  network.close()
})

/** A connected client of user `sub` over WebSocket; `sent` collects the commands it sends. */
function clientOf(sub: string) {
  const sent: Record<string, unknown>[] = []
  const client = new RealtimeClient({
    url: mock.url,
    transports: ['websocket'],
    storage: null,
    // Released channels leave at once, so a test sees the unsubscribe without waiting.
    releaseGraceMs: 10,
    getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub }),
    logger: (message, detail) => message === 'out' && sent.push(detail as Record<string, unknown>),
  })
  clients.push(client)
  client.connect()
  return { client, sent, subscribes: () => sent.filter((frame) => frame.type === 'subscribe') }
}

const subscribed = (client: RealtimeClient, name: string) => vi.waitFor(() => expect(client.channel(name).state.status).toBe('subscribed'))

describe('channel handlers', () => {
  it('get the payload and the stamp the server put on it: who published, and when', async () => {
    const { client } = clientOf('grace')
    // sample: meta
    const board = client.channel<{ moved: { card: string } }>('board:1')
    const seen: [unknown, MessageMeta][] = []
    // meta: { channel, event, position, publisher, time }; publisher is null when the server published.
    board.on('moved', (data, meta) => seen.push([data, meta]))
    board.subscribe()
    // end sample
    await subscribed(client, 'board:1')
    const ada = clientOf('ada').client
    const fromAda = await ada.channel('board:1').publish('moved', { card: 'c1' })
    const fromServer = await mock.publish('board:1', 'moved', { card: 'c2' })
    await vi.waitFor(() => expect(seen).toHaveLength(2))
    expect(seen).toEqual([
      [{ card: 'c1' }, { channel: 'board:1', event: 'moved', position: fromAda.position, publisher: 'ada', time: expect.any(Number) }],
      [{ card: 'c2' }, { channel: 'board:1', event: 'moved', position: fromServer.position, publisher: null, time: expect.any(Number) }],
    ])
    expect(seen[1]![1].time).toBeGreaterThanOrEqual(seen[0]![1].time)
  })

  it('onAny hears every event with (event, data, meta), once calls its handler for the next message only, and on("*") is refused', async () => {
    const { client } = clientOf('ada')
    const board = client.channel<{ moved: { card: string }; renamed: { title: string } }>('board:2')
    const any: unknown[][] = []
    const once = vi.fn()
    // sample: on-any
    board.onAny((event, data, meta) => any.push([event, data, meta.position.offset]))
    board.once('moved', once)
    const cancelled = vi.fn()
    board.once('renamed', cancelled)() // a once handler can be cancelled before it fires
    // end sample
    // The catch-all is onAny: '*' is not an event name, for the types nor at run time.
    // @ts-expect-error '*' is not an event of the channel
    expect(() => board.on('*', () => {})).toThrow(TypeError)
    board.subscribe()
    await subscribed(client, 'board:2')
    await mock.publish('board:2', 'moved', { card: 'c1' })
    await mock.publish('board:2', 'renamed', { title: 'Done' })
    await mock.publish('board:2', 'moved', { card: 'c2' })
    // An event whose name happens to be "*" is an event like another.
    await mock.publish('board:2', '*', 'star')
    await vi.waitFor(() => expect(any).toHaveLength(4))
    expect(any).toEqual([
      ['moved', { card: 'c1' }, 1],
      ['renamed', { title: 'Done' }, 2],
      ['moved', { card: 'c2' }, 3],
      ['*', 'star', 4],
    ])
    expect(once).toHaveBeenCalledExactlyOnceWith({ card: 'c1' }, expect.objectContaining({ event: 'moved', publisher: null }))
    expect(cancelled).not.toHaveBeenCalled()
  })
})

describe('subscribe({ rewind })', () => {
  it('delivers the last messages before the live ones, with one server subscription for the calls of one turn', async () => {
    for (let n = 1; n <= 5; n++) await mock.publish('leaderboard', 'score', { n })
    const { client, subscribes } = clientOf('ada')
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    const leaderboard = client.channel('leaderboard')
    const scores: unknown[] = []
    leaderboard.on('score', (data) => scores.push(data))
    // sample: rewind
    // Three users of the channel mount together: the largest rewind wins, one subscribe goes out.
    leaderboard.subscribe()
    leaderboard.subscribe({ rewind: 2 })
    leaderboard.subscribe({ rewind: 1 })
    // end sample
    await subscribed(client, 'leaderboard')
    await mock.publish('leaderboard', 'score', { n: 6 })
    await vi.waitFor(() => expect(scores).toEqual([{ n: 4 }, { n: 5 }, { n: 6 }]))
    expect(subscribes()).toEqual([expect.objectContaining({ channel: 'leaderboard', rewind: 2 })])
  })

  it('is not asked again when the channel resubscribes after a reconnect: it resumes after what it delivered', async () => {
    await mock.publish('leaderboard', 'score', { n: 1 })
    const { client, subscribes } = clientOf('ada')
    const scores: unknown[] = []
    client.channel('leaderboard').on('score', (data) => scores.push(data))
    client.channel('leaderboard').subscribe({ rewind: 1 })
    await vi.waitFor(() => expect(scores).toEqual([{ n: 1 }]))
    mock.disconnectAll({ retryAfterMs: 1 })
    await mock.publish('leaderboard', 'score', { n: 2 })
    await vi.waitFor(() => expect(scores).toEqual([{ n: 1 }, { n: 2 }]))
    expect(subscribes()).toEqual([expect.objectContaining({ rewind: 1 }), expect.objectContaining({ since: expect.objectContaining({ offset: 1 }) })])
    expect(subscribes()[1]!.rewind).toBeUndefined()
  })
})

describe('channel.presence', () => {
  it('holds the members, with join, update, leave and change as they come, and empties when released', async () => {
    const ada = clientOf('ada').client
    // sample: presence
    const comments = ada.channel('comments:1')
    const events: string[] = []
    const lists: (readonly PresenceMember[])[] = []
    for (const type of ['join', 'update', 'leave'] as const) comments.presence.on(type, (member) => events.push(`${type} ${member.sub} ${member.connections}`))
    comments.presence.on('change', (members) => lists.push(members))
    const release = comments.subscribe({ presence: { data: { name: 'Ada' } } })
    // end sample
    await vi.waitFor(() => expect(comments.presence.members()).toEqual([{ sub: 'ada', connections: 1, data: { name: 'Ada' } }]))

    const grace = clientOf('grace').client
    const stopGrace = grace.channel('comments:1').subscribe({ presence: true })
    await vi.waitFor(() => expect(comments.presence.members().map((member) => member.sub)).toEqual(['ada', 'grace']))
    const graceAgain = clientOf('grace').client
    graceAgain.channel('comments:1').subscribe({ presence: { data: 'on the phone' } })
    await vi.waitFor(() => expect(comments.presence.members()[1]).toEqual({ sub: 'grace', connections: 2, data: 'on the phone' }))
    graceAgain.disconnect()
    stopGrace()
    await vi.waitFor(() => expect(comments.presence.members()).toHaveLength(1))

    expect(events).toEqual(['join ada 1', 'join grace 1', 'update grace 2', 'update grace 1', 'leave grace 0'])
    // A new array per change (a snapshot React can compare), the same one in between.
    expect(new Set(lists).size).toBe(lists.length)
    expect(comments.presence.members()).toBe(lists.at(-1))
    release()
    await vi.waitFor(() => expect(comments.state.status).toBe('idle'))
    expect(comments.presence.members()).toEqual([])
    expect(events.at(-1)).toBe('leave ada 0')
  })

  it('joins when a later subscribe asks for it, by subscribing again from the last position: no message lost or repeated, nothing "recovered"', async () => {
    const { client, subscribes } = clientOf('ada')
    const board = client.channel('board:3')
    const moves: unknown[] = []
    const recovered: unknown[] = []
    board.on('moved', (data) => moves.push(data))
    board.onRecovered((position) => recovered.push(position))
    board.subscribe()
    await subscribed(client, 'board:3')
    await mock.publish('board:3', 'moved', 1)
    await vi.waitFor(() => expect(moves).toEqual([1]))
    board.subscribe({ presence: { data: 'late' } })
    await mock.publish('board:3', 'moved', 2)
    await vi.waitFor(() => expect(board.presence.members()).toEqual([{ sub: 'ada', connections: 1, data: 'late' }]))
    await mock.publish('board:3', 'moved', 3)
    await vi.waitFor(() => expect(moves).toEqual([1, 2, 3]))
    expect(subscribes()).toEqual([expect.not.objectContaining({ presence: expect.anything() }), expect.objectContaining({ presence: { data: 'late' }, since: expect.objectContaining({ offset: 1 }) })])
    expect(board.state.status).toBe('subscribed')
    // The subscription was live all along: there was nothing to recover.
    expect(recovered).toEqual([])
  })

  it('is refused with the channel where the rules give nobody presence, and stays empty', async () => {
    const { client } = clientOf('ada')
    const leaderboard = client.channel('leaderboard')
    leaderboard.subscribe({ presence: true })
    await vi.waitFor(() => expect(leaderboard.state.status).toBe('failed'))
    expect(leaderboard.state.error).toMatchObject({ code: 'FORBIDDEN' })
    expect(leaderboard.presence.members()).toEqual([])
  })
})
