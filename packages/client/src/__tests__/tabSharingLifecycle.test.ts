import { DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server/msw'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { UnauthorizedError, type TransportName } from '../index'
import { EndingBroker } from './support/endingBroker'
import { leaderOf, numbers, sharedTabs, type SharedTabs } from './support/sharedTabs'

// Tab sharing with what a connection goes through: every transport, tokens that expire, a
// sign-out, the network going away, and the subscribe options that need the server's history.

let tabs: SharedTabs

afterEach(() => tabs.close())

describe('tabSharing with every transport, tokens and the network', () => {
  it.each<TransportName>(['websocket', 'sse', 'long-polling'])('shares one %s connection: messages once, in order, and publishes settle', async (transport) => {
    tabs = sharedTabs()
    const group = await tabs.openSubscribed(3, { transports: [transport] })
    expect(tabs.mock.clients.map((client) => client.transport)).toEqual([transport])
    await tabs.publish(1, 10)
    const results = await Promise.all(group.map(({ client }) => client.channel('board:1').publish('n', { n: 0 })))
    expect(results.map((result) => result.duplicate)).toEqual([false, false, false])
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received.filter((n) => n > 0)).toEqual(numbers(1, 10))
    })
    for (const { client } of group) expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport })
  })

  it('refreshes an expired token with the leader’s getToken only, and every tab resumes from its own position', async () => {
    tabs = sharedTabs()
    const group = await tabs.openSubscribed(3, { reconnectDelay: { minMs: 0, maxMs: 0 } })
    const leader = leaderOf(group)!
    const [first] = tabs.mock.clients
    tabs.mock.expireTokens()
    await tabs.publish(1, 5)
    await vi.waitFor(() => expect(tabs.mock.clients.map((client) => client.id)).toEqual([expect.not.stringMatching(first!.id)]))
    await tabs.publish(6, 8)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 8))
    })
    expect(leader.tokenCalls).toEqual(['connect', 'rejected'])
    expect(group.filter((tab) => tab !== leader).flatMap((tab) => tab.tokenCalls)).toEqual([])
    expect(group.flatMap((tab) => tab.gaps)).toEqual([])
  })

  it('goes offline in every tab when the leader’s browser says so, and recovers every tab when it is back', async () => {
    tabs = sharedTabs()
    const group = await tabs.openSubscribed(3)
    const leader = leaderOf(group)!
    leader.page.dispatchEvent(new Event('offline'))
    await vi.waitFor(() => {
      for (const { client } of group) expect(client.getSnapshot().status).toBe('offline')
    })
    await tabs.publish(1, 4)
    leader.page.dispatchEvent(new Event('online'))
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 4))
    })
    for (const { client } of group) expect(client.getSnapshot().status).toBe('connected')
    expect(group.flatMap((tab) => tab.gaps)).toEqual([])
  })

  it('stops every tab when the leader’s user is signed out, and connect() in any tab starts the connection again', async () => {
    tabs = sharedTabs()
    let signedOut = false
    const getToken = () => {
      if (signedOut) throw new UnauthorizedError('signed out')
      return signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada' })
    }
    const group = await tabs.openSubscribed(3, { getToken, reconnectDelay: () => 300 })
    const follower = group.find((tab) => tab !== leaderOf(group))!
    signedOut = true
    tabs.mock.expireTokens()
    // While the leader waits to reconnect, a follower's publish waits in its own queue…
    await vi.waitFor(() => expect(follower.client.getSnapshot().status).toBe('reconnecting'))
    const waiting = follower.client.channel('board:1').publish('n', { n: 0 }).catch((error: unknown) => error)
    await vi.waitFor(() => {
      for (const { client } of group) expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED' } })
    })
    // …and fails with the leader's terminal error, as it would in one tab.
    expect(await waiting).toMatchObject({ code: 'UNAUTHORIZED' })
    signedOut = false
    follower.client.connect()
    await vi.waitFor(() => {
      for (const { client } of group) expect(client.getSnapshot().status).toBe('connected')
    })
    await tabs.publish(1, 2)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual([1, 2])
    })
  })

  it('queues a publish made right after connect() in a tab the leader’s sign-out stopped, instead of rejecting it with the old error', async () => {
    tabs = sharedTabs()
    let signedOut = false
    const getToken = () => {
      if (signedOut) throw new UnauthorizedError('signed out')
      return signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada' })
    }
    const group = await tabs.openSubscribed(2, { getToken, reconnectDelay: () => 300 })
    const follower = group.find((tab) => tab !== leaderOf(group))!
    signedOut = true
    tabs.mock.expireTokens()
    await vi.waitFor(() => expect(follower.client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED' } }))
    signedOut = false
    follower.client.connect()
    // As in one tab: connecting at once, and the publish waits for the connection.
    expect(follower.client.getSnapshot()).toMatchObject({ status: 'connecting', error: undefined })
    await expect(follower.client.channel('board:1').publish('n', { n: 1 })).resolves.toMatchObject({ duplicate: false })
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual([1])
    })
  })

  it('tells every tab of a subscription the server ended: each shows the error and subscribes again from its own position', async () => {
    const broker = new EndingBroker()
    tabs = sharedTabs({ broker })
    const group = await tabs.openSubscribed(3, { reconnectDelay: { minMs: 0, maxMs: 0 } })
    const errors = group.map(({ client }) => {
      const seen: string[] = []
      client.channel('board:1').onState(({ error }) => error && seen.push(error.code))
      return seen
    })
    await tabs.publish(1, 3)
    await vi.waitFor(() => expect(group.map((tab) => tab.received.length)).toEqual([3, 3, 3]))
    broker.endAll({ code: 'UNAVAILABLE', message: 'fan-out lost' })
    await tabs.publish(4, 6)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 6))
    })
    expect(errors).toEqual([['UNAVAILABLE'], ['UNAVAILABLE'], ['UNAVAILABLE']])
    for (const { client } of group) expect(client.channel('board:1').state).toEqual({ status: 'subscribed', error: undefined })
    expect(group.flatMap((tab) => tab.gaps)).toEqual([])
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('rewinds a tab that joins a live channel: the last messages from history, then the live ones, each once', async () => {
    tabs = sharedTabs()
    const [first] = await tabs.openSubscribed(1)
    await tabs.publish(1, 10)
    await vi.waitFor(() => expect(first!.received).toEqual(numbers(1, 10)))
    const late = tabs.open()
    late.client.channel('board:1').subscribe({ rewind: 3 })
    late.client.connect()
    await vi.waitFor(() => expect(late.received).toEqual([8, 9, 10]))
    await tabs.publish(11, 12)
    await vi.waitFor(() => {
      for (const tab of [first!, late]) expect(tab.received.slice(-2)).toEqual([11, 12])
    })
    expect(first!.received).toEqual(numbers(1, 12))
    expect(late.received).toEqual(numbers(8, 12))
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('shows the channel’s presence to each tab that asks: all tabs are one connection of the user', async () => {
    tabs = sharedTabs()
    const group = [tabs.open(), tabs.open()]
    for (const { client } of group) {
      client.channel('comments:1').subscribe({ presence: { data: { name: 'Ada' } } })
      client.connect()
    }
    await vi.waitFor(() => {
      for (const { client } of group) expect(client.channel('comments:1').presence.members()).toEqual([{ sub: 'ada', connections: 1, data: { name: 'Ada' } }])
    })
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('subscribes a tab again after the server refused the unsubscribe for now (RATE_LIMITED): the leftover server subscription is ended, not refused forever', async () => {
    // Two commands at once, then one every 500 ms: the unsubscribe right after connect and subscribe is refused.
    tabs = sharedTabs({ rateLimit: { perSecond: 2, burst: 2 } })
    const tab = tabs.open({ releaseGraceMs: 10, reconnectDelay: () => 1000 })
    const board = tab.client.channel('board:1')
    const release = board.subscribe()
    tab.client.connect()
    await vi.waitFor(() => expect(board.state.status).toBe('subscribed'))
    release()
    await vi.waitFor(() => expect(board.state.status).toBe('idle'))
    board.subscribe()
    // The server still holds the subscription: ALREADY_SUBSCRIBED, until the hub ends it.
    await vi.waitFor(() => expect(board.state).toEqual({ status: 'subscribed', error: undefined }), { timeout: 10_000 })
    await tabs.publish(1, 2)
    await vi.waitFor(() => expect(tab.received).toEqual([1, 2]))
    expect(tabs.mock.clients).toHaveLength(1)
  }, 15_000)
})
