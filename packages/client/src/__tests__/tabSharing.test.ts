import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tabSharing } from '../tabs/index'
import { leaderOf, numbers, sharedTabs, type SharedTabs } from './support/sharedTabs'

// One connection for the tabs of one user: sharing, publishing, handing over, keys. The tabs are
// clients in one process (see support/sharedTabs.ts).

let tabs: SharedTabs

beforeEach(() => {
  tabs = sharedTabs()
})

afterEach(() => tabs.close())

describe('tabSharing', () => {
  it('makes one connection for the tabs of one key: every tab gets every message once, in order', async () => {
    const group = await tabs.openSubscribed(3)
    expect(tabs.mock.clients).toHaveLength(1)
    expect(tabs.mock.clients[0]!.channels).toEqual(['board:1'])
    await tabs.publish(1, 20)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 20))
    })
    expect(group.map((tab) => tab.gaps)).toEqual([[], [], []])
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('shows every tab the leader’s connection state, and which tab leads', async () => {
    const group = await tabs.openSubscribed(3)
    const snapshots = group.map(({ client }) => client.getSnapshot())
    expect(snapshots.map(({ status, transport }) => [status, transport])).toEqual(Array(3).fill(['connected', 'websocket']))
    expect(snapshots.map(({ role }) => role).sort()).toEqual(['follower', 'follower', 'leader'])
    // Only the leader's getToken is asked: its token serves every tab.
    expect(group.map((tab) => tab.tokenCalls.length).sort()).toEqual([0, 0, 1])
    expect(leaderOf(group)!.tokenCalls).toEqual(['connect'])
    for (const { client } of group) expect(client.stats()).toMatchObject({ status: 'connected', transport: 'websocket', reconnects: 0 })
  })

  it('settles a publish from every tab with the server’s reply, and delivers each once to every tab', async () => {
    const group = await tabs.openSubscribed(3)
    const results = await Promise.all(group.map(({ client }, index) => client.channel('board:1').publish('n', { n: index + 1 })))
    expect(results.map((result) => result.duplicate)).toEqual([false, false, false])
    expect(results.map((result) => result.position.offset).sort()).toEqual([1, 2, 3])
    await vi.waitFor(() => {
      for (const tab of group) expect([...tab.received].sort()).toEqual([1, 2, 3])
    })
  })

  it('publishes what a single tab would send: a value JSON drops (a function) is dropped, not a failure that blocks the publishes behind it', async () => {
    const group = await tabs.openSubscribed(2)
    const board = group.find((tab) => tab !== leaderOf(group))!.client.channel('board:1')
    const results = [board.publish('n', { n: 1, done: () => {} } as never), board.publish('n', { n: 2 })]
    expect((await Promise.all(results)).map((result) => result.position.offset)).toEqual([1, 2])
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual([1, 2])
    })
  })

  it('keeps a publish that a listener of disconnect() makes after connecting again at once', async () => {
    const [tab] = await tabs.openSubscribed(1)
    const { client } = tab!
    let again: Promise<unknown> | undefined
    client.on('status', ({ status }) => {
      if (status !== 'disconnected' || again) return
      client.connect()
      again = client.channel('board:1').publish('n', { n: 1 })
    })
    client.disconnect()
    await expect(again).resolves.toMatchObject({ position: { offset: 1 } })
  })

  it('hands over when the leader’s page goes away: a new leader resubscribes from each tab’s position, nothing lost or repeated', async () => {
    const group = await tabs.openSubscribed(3)
    await tabs.publish(1, 5)
    await vi.waitFor(() => expect(group.map((tab) => tab.received.length)).toEqual([5, 5, 5]))
    const leader = leaderOf(group)!
    leader.page.dispatchEvent(new Event('pagehide'))
    const rest = group.filter((tab) => tab !== leader)
    // Published while nobody holds the connection: the new leader's subscription replays it.
    await tabs.publish(6, 10)
    await vi.waitFor(() => expect(leaderOf(rest)).toBeDefined())
    await tabs.publish(11, 15)
    await vi.waitFor(() => {
      for (const tab of rest) expect(tab.received).toEqual(numbers(1, 15))
    })
    expect(rest.flatMap((tab) => tab.gaps)).toEqual([])
    expect(tabs.mock.clients).toHaveLength(1)
    expect(leaderOf(rest)!.tokenCalls).toEqual(['connect'])
  })

  it('hands over when the leader crashes: its locks come free and another tab leads', async () => {
    const group = await tabs.openSubscribed(3)
    await tabs.publish(1, 3)
    await vi.waitFor(() => expect(group.map((tab) => tab.received.length)).toEqual([3, 3, 3]))
    const leader = leaderOf(group)!
    leader.crash()
    const rest = group.filter((tab) => tab !== leader)
    await tabs.publish(4, 8)
    await vi.waitFor(() => {
      for (const tab of rest) expect(tab.received).toEqual(numbers(1, 8))
    })
    expect(rest.map(({ client }) => client.getSnapshot().role).sort()).toEqual(['follower', 'leader'])
    expect(rest.flatMap((tab) => tab.gaps)).toEqual([])
    await vi.waitFor(() => expect(tabs.mock.clients).toHaveLength(1))
  })

  it('gives a tab that comes back behind the stream what it missed, once, without repeating it to the others', async () => {
    const group = await tabs.openSubscribed(3)
    const follower = group.find((tab) => tab.client.getSnapshot().role === 'follower')!
    await tabs.publish(1, 3)
    await vi.waitFor(() => expect(follower.received).toEqual([1, 2, 3]))
    // Frozen by the page lifecycle: it leaves, and the others go on without it.
    follower.page.dispatchEvent(new Event('freeze'))
    await tabs.publish(4, 9)
    const others = group.filter((tab) => tab !== follower)
    await vi.waitFor(() => {
      for (const tab of others) expect(tab.received).toEqual(numbers(1, 9))
    })
    follower.page.dispatchEvent(new Event('resume'))
    await vi.waitFor(() => expect(follower.received).toEqual(numbers(1, 9)))
    await tabs.publish(10, 10)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 10))
    })
    expect(group.flatMap((tab) => tab.gaps)).toEqual([])
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('gives a follower whose link to the leader went quiet (its page stalled) what it missed: subscribing meanwhile, then recovered, each message once', { timeout: 20_000 }, async () => {
    const group = await tabs.openSubscribed(2, { livenessMs: 1000, connectTimeoutMs: 1000 })
    const follower = group.find((tab) => tab.client.getSnapshot().role === 'follower')!
    const board = follower.client.channel('board:1')
    const states: string[] = []
    const recovered: unknown[] = []
    board.onState(({ status }) => states.push(status))
    board.onRecovered((position) => recovered.push(position))
    await tabs.publish(1, 2)
    await vi.waitFor(() => expect(follower.received).toEqual([1, 2]))
    // Its link hears no answer to its ping within livenessMs: it is made again, and the channel with it.
    follower.deafen(true)
    await tabs.publish(3, 5)
    await vi.waitFor(() => expect(states).toContain('subscribing'), { timeout: 5000 })
    follower.deafen(false)
    await vi.waitFor(() => expect(follower.received).toEqual(numbers(1, 5)), { timeout: 5000 })
    expect(recovered).toHaveLength(1)
    expect(board.state.status).toBe('subscribed')
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('never shares between keys: each key has its own leader and connection', async () => {
    const ada = await tabs.openSubscribed(2, { key: 'ada' })
    const grace = await tabs.openSubscribed(2, { key: 'grace' })
    expect(tabs.mock.clients.map((client) => client.user).sort()).toEqual(['ada', 'grace'])
    expect([ada, grace].map((group) => group.map(({ client }) => client.getSnapshot().role).sort())).toEqual([
      ['follower', 'leader'],
      ['follower', 'leader'],
    ])
  })

  it('lets a follower that disconnects leave, while the others keep the connection', async () => {
    const group = await tabs.openSubscribed(3)
    const follower = group.find((tab) => tab.client.getSnapshot().role === 'follower')!
    follower.client.disconnect()
    expect(follower.client.getSnapshot()).toMatchObject({ status: 'disconnected', role: undefined })
    await tabs.publish(1, 2)
    const others = group.filter((tab) => tab !== follower)
    await vi.waitFor(() => {
      for (const tab of others) expect(tab.received).toEqual([1, 2])
    })
    expect(follower.received).toEqual([])
    expect(tabs.mock.clients).toHaveLength(1)
  })

  it('connects each tab on its own where Web Locks are missing', async () => {
    expect(globalThis.navigator.locks).toBeUndefined()
    const group = await tabs.openSubscribed(2, { share: tabSharing({ key: 'ada' }) })
    expect(tabs.mock.clients).toHaveLength(2)
    expect(group.map(({ client }) => client.getSnapshot().role)).toEqual([undefined, undefined])
  })

  it('refuses a missing key with a TypeError that says what to pass', () => {
    expect(() => tabSharing({ key: '' })).toThrow(TypeError)
    // The guidance (what a key is), which development builds carry; production keeps 'tabSharing: key'.
    expect(() => tabSharing({ key: '' })).toThrow('tabSharing: needs a key, such as the signed-in user id')
  })
})
