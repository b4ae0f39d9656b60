import { EventSource } from 'eventsource'
import { vi } from 'vitest'
import { RealtimeClient } from '../../realtimeClient'
import type { RealtimeClientOptions } from '../../options'
import type { TokenReason } from '../../tokenManager'
import { currentNetwork, SERVER_URL, testNetwork, type TestNetwork } from './testNetwork'

export interface TestSetup {
  /** The server side: the real engine behind msw, and what went over the wire. */
  network: TestNetwork
  client: RealtimeClient
  /** Reasons `getToken` was called with, in order. */
  tokenCalls: TokenReason[]
  /** Errors the client emitted, by code. */
  errors: string[]
}

/**
 * A client of the test's network (started now if the test has none) over WebSocket only, with
 * deterministic randomness (`random` → 0.5), no storage and no lifecycle target unless the test
 * passes them. Its tokens are `token-1`, `token-2`, … in the order `getToken` is called.
 */
export function testClient(options: Partial<RealtimeClientOptions> = {}, network = currentNetwork() ?? testNetwork()): TestSetup {
  const tokenCalls: TokenReason[] = []
  const errors: string[] = []
  const client = new RealtimeClient({
    url: SERVER_URL,
    transports: ['websocket'],
    // jsdom has no EventSource; this one reads the stream through `fetch`, which msw serves.
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
    storage: null,
    lifecycleTarget: null,
    random: () => 0.5,
    getToken: ({ reason }) => {
      tokenCalls.push(reason)
      return `token-${tokenCalls.length}`
    },
    ...options,
  })
  client.on('error', (error) => errors.push(error.code))
  network.onClose(() => client.disconnect())
  return { network, client, tokenCalls, errors }
}

/**
 * Fake timers that leave msw working: `setTimeout`, `setInterval` and `Date` are faked, while
 * `queueMicrotask`, `nextTick` and `setImmediate`, on which msw and the `fetch` it intercepts
 * deliver, stay real. Over WebSocket every frame travels on microtasks, so a test steps through
 * time exactly; over HTTP (SSE, long-polling) some steps need real I/O: wait with `vi.waitFor`.
 */
export function useFakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}

/** Lets microtasks and the timers due within `ms` run (fake timers). */
export const settle = (ms = 0): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined)
