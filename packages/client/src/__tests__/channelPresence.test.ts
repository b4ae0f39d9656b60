import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, testNetwork } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

describe('a channel across a reconnect', () => {
  it('says subscribing while the connection is down, keeping the last members; announces who left and who came from the snapshot, and keeps no ghost', async () => {
    // Each client's token is its user's name.
    const network = testNetwork({ verifyToken: async (token) => ({ sub: token, roles: [], exp: Date.now() / 1000 + 3600 }) })
    const user = (sub: string) => testClient({ getToken: () => sub, reconnectDelay: () => 1000, releaseGraceMs: 0 }, network).client
    const [ada, bob, carol] = ['ada', 'bob', 'carol'].map(user) as [ReturnType<typeof user>, ReturnType<typeof user>, ReturnType<typeof user>]
    const events: string[] = []
    const comments = ada.channel('comments:1')
    for (const type of ['join', 'update', 'leave'] as const) comments.presence.on(type, (member) => events.push(`${type} ${member.sub} ${member.connections}`))
    ada.connect()
    comments.subscribe({ presence: true })
    await settle()
    bob.connect()
    const releaseBob = bob.channel('comments:1').subscribe({ presence: true })
    await settle()
    expect(events).toEqual(['join ada 1', 'join bob 1'])
    // Ada's link drops; while she is away bob leaves and carol comes.
    network.sockets[0]!.drop()
    await settle()
    releaseBob()
    carol.connect()
    carol.channel('comments:1').subscribe({ presence: true })
    await settle()
    // Down: the channel says so at once, and shows the members it last knew.
    expect(ada.getSnapshot().status).toBe('reconnecting')
    expect(comments.state.status).toBe('subscribing')
    expect(comments.presence.members().map((member) => member.sub)).toEqual(['ada', 'bob'])
    await settle(1000)
    expect(ada.getSnapshot().status).toBe('connected')
    expect(comments.state.status).toBe('subscribed')
    expect(events).toEqual(['join ada 1', 'join bob 1', 'leave bob 0', 'join carol 1'])
    expect(comments.presence.members().map((member) => member.sub).sort()).toEqual(['ada', 'carol'])
    // A leave of a member known only from the snapshot is announced too.
    carol.disconnect()
    await settle()
    expect(events.at(-1)).toBe('leave carol 0')
    expect(comments.presence.members().map((member) => member.sub)).toEqual(['ada'])
    // The app's own disconnect() too: the subscription waits for the next connect().
    ada.disconnect()
    expect(comments.state.status).toBe('subscribing')
  })
})
