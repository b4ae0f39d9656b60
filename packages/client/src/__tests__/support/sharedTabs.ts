import { createMswHandlers, DEFAULT_JWT_SECRET, signToken, type MswHandlers, type MswHandlersOptions } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { setupServer, type SetupServer } from 'msw/node'
import { expect, vi } from 'vitest'
import { RealtimeClient, type Gap, type RealtimeClientOptions, type TokenReason } from '../../index'
import { tabSharing } from '../../tabs/index'
import { FakeLocks } from './fakeLocks'

/**
 * Several "tabs" in one process: each a RealtimeClient with a lock manager and a page of its own (an
 * EventTarget for pagehide and friends), all on Node's BroadcastChannel, against the MSW handlers
 * (the same protocol engine as the server), which count the connections. Note that no tab may be
 * given a fixed `random`: the idempotency keys of tabs of one user must differ.
 */
export interface SharedTabs {
  readonly mock: MswHandlers
  readonly locks: FakeLocks
  /** Opens a tab (not connected); `key` is its share key, `sub` its user (the key by default). */
  open(options?: TabOptions): Tab
  /** Opens `count` tabs, connects them and waits until each is subscribed to `board:1`. */
  openSubscribed(count: number, options?: TabOptions): Promise<Tab[]>
  /** Publishes `{ n }` on `board:1` as the server, for each n in `[from, to]`, in order. */
  publish(from: number, to: number): Promise<void>
  close(): Promise<void>
}

export type TabOptions = Partial<RealtimeClientOptions> & { key?: string; sub?: string }

export interface Tab {
  client: RealtimeClient
  page: EventTarget
  tokenCalls: TokenReason[]
  /** The `n` of every `n` message of `board:1`, in arrival order. */
  received: number[]
  gaps: Gap[]
  /** Kills the tab as a crash does: it says and hears nothing more, and the browser frees its locks. */
  crash(): void
  /** While `deaf`, the tab hears nothing from the other tabs (its page stalled); it still sends. */
  deafen(deaf: boolean): void
}

const onmessage = Object.getOwnPropertyDescriptor(BroadcastChannel.prototype, 'onmessage')!

export const leaderOf = (group: Tab[]) => group.find((tab) => tab.client.getSnapshot().role === 'leader')
export const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)

export function sharedTabs(options: MswHandlersOptions = {}): SharedTabs {
  vi.stubGlobal('EventSource', EventSource)
  const mock = createMswHandlers({ url: 'http://realtime.test', ...options })
  const network: SetupServer = setupServer(...mock.handlers)
  network.listen({ onUnhandledRequest: 'error' })
  const locks = new FakeLocks()
  const tabs: Tab[] = []

  function open({ key = 'ada', sub = key, ...options }: TabOptions = {}): Tab {
    const page = new EventTarget()
    const tabLocks = locks.tab()
    // This tab's BroadcastChannels, so a crash can silence them.
    const channels = new Set<BroadcastChannel>()
    let deaf = false
    class TabChannel extends BroadcastChannel {
      constructor(name: string) {
        super(name)
        channels.add(this)
        const set = (handler: ((event: MessageEvent) => void) | null) => onmessage.set!.call(this, handler && ((event: MessageEvent) => deaf || handler(event)))
        Object.defineProperty(this, 'onmessage', { set, get: () => onmessage.get!.call(this) })
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
      tokenCalls,
      received,
      gaps,
      crash() {
        for (const channel of channels) channel.close()
        locks.crash(tabLocks.id)
        // What is left of it goes quietly: its channels are closed, its locks already free.
        client.disconnect()
      },
      deafen(value) {
        deaf = value
      },
    }
    tabs.push(tab)
    return tab
  }

  return {
    mock,
    locks,
    open,
    async openSubscribed(count, options) {
      const group = Array.from({ length: count }, () => open(options))
      for (const { client } of group) {
        client.channel('board:1').subscribe()
        client.connect()
      }
      await vi.waitFor(() => {
        for (const { client } of group) expect(client.channel('board:1').state.status).toBe('subscribed')
      })
      return group
    },
    async publish(from, to) {
      for (const n of numbers(from, to)) await mock.publish('board:1', 'n', { n })
    },
    async close() {
      for (const { client } of tabs.splice(0)) client.disconnect()
      await mock.close()
      network.close()
      vi.unstubAllGlobals()
    },
  }
}
