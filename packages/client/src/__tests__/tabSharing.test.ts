import { createMswHandlers, DEFAULT_JWT_SECRET, signToken, type MswHandlers } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { setupServer, type SetupServer } from 'msw/node'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RealtimeClient, type Gap, type RealtimeClientOptions, type TokenReason } from '../index'
import { tabSharing } from '../tabs/index'
import { FakeLocks } from './support/fakeLocks'

// Several "tabs" in one process: each a RealtimeClient with a lock manager and a page of its own
// (an EventTarget for pagehide and friends), all on Node's BroadcastChannel, against the MSW
// handlers (the same protocol engine as the server), which count the connections.

let mock: MswHandlers
let network: SetupServer
let locks: FakeLocks
const tabs: Tab[] = []

interface Tab {
  client: RealtimeClient
  page: EventTarget
  locks: LockManager & { id: number }
  tokenCalls: TokenReason[]
  /** The `n` of every `n` message of `board:1`, in arrival order. */
  received: number[]
  gaps: Gap[]
  /** Kills the tab as a crash does: it says and hears nothing more, and the browser frees its locks. */
  crash(): void
}

function openTab({ key = 'ada', sub = key, ...options }: Partial<RealtimeClientOptions> & { key?: string; sub?: string } = {}): Tab {
  const page = new EventTarget()
  const tabLocks = locks.tab()
  // This tab's BroadcastChannels, so a crash can silence them.
  const open = new Set<BroadcastChannel>()
  class TabChannel extends BroadcastChannel {
    constructor(name: string) {
      super(name)
      open.add(this)
    }
  }
  const tokenCalls: TokenReason[] = []
  const client = new RealtimeClient({
    url: mock.url,
    storage: null,
    lifecycleTarget: page,
    getToken: ({ reason }) => {
      tokenCalls.push(reason)
      return signToken({ secret: DEFAULT_JWT_SECRET, sub })
    },
    share: tabSharing({ key, locks: tabLocks, BroadcastChannel: TabChannel }),
    ...options,
  })
  const received: number[] = []
  const gaps: Gap[] = []
  const board = client.channel<{ n: { n: number } }>('board:1')
  board.on('n', ({ n }) => received.push(n))
  board.onGap((gap) => gaps.push(gap))
  const tab: Tab = {
    client,
    page,
    locks: tabLocks,
    tokenCalls,
    received,
    gaps,
    crash() {
      for (const channel of open) channel.close()
      locks.crash(tabLocks.id)
      // What is left of it goes quietly: its channels are closed, its locks already free.
      client.disconnect()
    },
  }
  tabs.push(tab)
  return tab
}

const leaderOf = (group: Tab[]) => group.find((tab) => tab.client.getSnapshot().role === 'leader')
const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)
const publish = async (from: number, to: number) => {
  for (const n of numbers(from, to)) await mock.publish('board:1', 'n', { n })
}

/** Opens `count` tabs subscribed to `board:1`, connected, each subscribed. */
async function openTabs(count: number, options: Parameters<typeof openTab>[0] = {}): Promise<Tab[]> {
  const group = Array.from({ length: count }, () => openTab(options))
  for (const { client } of group) {
    client.channel('board:1').subscribe()
    client.connect()
  }
  await vi.waitFor(() => {
    for (const { client } of group) expect(client.channel('board:1').state.status).toBe('subscribed')
  })
  return group
}

beforeEach(() => {
  vi.stubGlobal('EventSource', EventSource)
  mock = createMswHandlers({ url: 'http://realtime.test' })
  network = setupServer(...mock.handlers)
  network.listen({ onUnhandledRequest: 'error' })
  locks = new FakeLocks()
})

afterEach(async () => {
  for (const { client } of tabs.splice(0)) client.disconnect()
  await mock.close()
  network.close()
  vi.unstubAllGlobals()
})

describe('tabSharing', () => {
  it('makes one connection for the tabs of one key: every tab gets every message once, in order', async () => {
    const group = await openTabs(3)
    expect(mock.clients).toHaveLength(1)
    expect(mock.clients[0]!.channels).toEqual(['board:1'])
    await publish(1, 20)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 20))
    })
    expect(group.map((tab) => tab.gaps)).toEqual([[], [], []])
    expect(mock.clients).toHaveLength(1)
  })

  it('shows every tab the leader’s connection state, and which tab leads', async () => {
    const group = await openTabs(3)
    const snapshots = group.map(({ client }) => client.getSnapshot())
    expect(snapshots.map(({ status, transport }) => [status, transport])).toEqual(Array(3).fill(['connected', 'websocket']))
    expect(snapshots.map(({ role }) => role).sort()).toEqual(['follower', 'follower', 'leader'])
    // Only the leader's getToken is asked: its token serves every tab.
    expect(group.map((tab) => tab.tokenCalls.length).sort()).toEqual([0, 0, 1])
    expect(leaderOf(group)!.tokenCalls).toEqual(['connect'])
    for (const { client } of group) expect(client.stats()).toMatchObject({ status: 'connected', transport: 'websocket', reconnects: 0 })
  })

  it('settles a publish from every tab with the server’s reply, and delivers each once to every tab', async () => {
    const group = await openTabs(3)
    const results = await Promise.all(group.map(({ client }, index) => client.channel('board:1').publish('n', { n: index + 1 })))
    expect(results.map((result) => result.duplicate)).toEqual([false, false, false])
    expect(results.map((result) => result.position.offset).sort()).toEqual([1, 2, 3])
    await vi.waitFor(() => {
      for (const tab of group) expect([...tab.received].sort()).toEqual([1, 2, 3])
    })
  })

  it('hands over when the leader’s page goes away: a new leader resubscribes from each tab’s position, nothing lost or repeated', async () => {
    const group = await openTabs(3)
    await publish(1, 5)
    await vi.waitFor(() => expect(group.map((tab) => tab.received.length)).toEqual([5, 5, 5]))
    const leader = leaderOf(group)!
    leader.page.dispatchEvent(new Event('pagehide'))
    const rest = group.filter((tab) => tab !== leader)
    // Published while nobody holds the connection: the new leader's subscription replays it.
    await publish(6, 10)
    await vi.waitFor(() => expect(leaderOf(rest)).toBeDefined())
    await publish(11, 15)
    await vi.waitFor(() => {
      for (const tab of rest) expect(tab.received).toEqual(numbers(1, 15))
    })
    expect(rest.flatMap((tab) => tab.gaps)).toEqual([])
    expect(mock.clients).toHaveLength(1)
    expect(leaderOf(rest)!.tokenCalls).toEqual(['connect'])
  })

  it('hands over when the leader crashes: its locks come free and another tab leads', async () => {
    const group = await openTabs(3)
    await publish(1, 3)
    await vi.waitFor(() => expect(group.map((tab) => tab.received.length)).toEqual([3, 3, 3]))
    const leader = leaderOf(group)!
    leader.crash()
    const rest = group.filter((tab) => tab !== leader)
    await publish(4, 8)
    await vi.waitFor(() => {
      for (const tab of rest) expect(tab.received).toEqual(numbers(1, 8))
    })
    expect(rest.map(({ client }) => client.getSnapshot().role).sort()).toEqual(['follower', 'leader'])
    expect(rest.flatMap((tab) => tab.gaps)).toEqual([])
    await vi.waitFor(() => expect(mock.clients).toHaveLength(1))
  })

  it('gives a tab that comes back behind the stream what it missed, once, without repeating it to the others', async () => {
    const group = await openTabs(3)
    const follower = group.find((tab) => tab.client.getSnapshot().role === 'follower')!
    await publish(1, 3)
    await vi.waitFor(() => expect(follower.received).toEqual([1, 2, 3]))
    // Frozen by the page lifecycle: it leaves, and the others go on without it.
    follower.page.dispatchEvent(new Event('freeze'))
    await publish(4, 9)
    const others = group.filter((tab) => tab !== follower)
    await vi.waitFor(() => {
      for (const tab of others) expect(tab.received).toEqual(numbers(1, 9))
    })
    follower.page.dispatchEvent(new Event('resume'))
    await vi.waitFor(() => expect(follower.received).toEqual(numbers(1, 9)))
    await publish(10, 10)
    await vi.waitFor(() => {
      for (const tab of group) expect(tab.received).toEqual(numbers(1, 10))
    })
    expect(group.flatMap((tab) => tab.gaps)).toEqual([])
    expect(mock.clients).toHaveLength(1)
  })

  it('never shares between keys: each key has its own leader and connection', async () => {
    const ada = await openTabs(2, { key: 'ada' })
    const grace = await openTabs(2, { key: 'grace' })
    expect(mock.clients.map((client) => client.user).sort()).toEqual(['ada', 'grace'])
    expect([ada, grace].map((group) => group.map(({ client }) => client.getSnapshot().role).sort())).toEqual([
      ['follower', 'leader'],
      ['follower', 'leader'],
    ])
  })

  it('lets a follower that disconnects leave, while the others keep the connection', async () => {
    const group = await openTabs(3)
    const follower = group.find((tab) => tab.client.getSnapshot().role === 'follower')!
    follower.client.disconnect()
    expect(follower.client.getSnapshot()).toMatchObject({ status: 'disconnected', role: undefined })
    await publish(1, 2)
    const others = group.filter((tab) => tab !== follower)
    await vi.waitFor(() => {
      for (const tab of others) expect(tab.received).toEqual([1, 2])
    })
    expect(follower.received).toEqual([])
    expect(mock.clients).toHaveLength(1)
  })

  it('connects each tab on its own where Web Locks are missing', async () => {
    expect(globalThis.navigator.locks).toBeUndefined()
    const group = await openTabs(2, { share: tabSharing({ key: 'ada' }) })
    expect(mock.clients).toHaveLength(2)
    expect(group.map(({ client }) => client.getSnapshot().role)).toEqual([undefined, undefined])
  })

  it('refuses a missing key with a TypeError that says what to pass', () => {
    expect(() => tabSharing({ key: '' })).toThrow(TypeError)
    expect(() => tabSharing({ key: '' })).toThrow(/key/)
  })
})
