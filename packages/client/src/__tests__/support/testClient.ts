import { vi } from 'vitest'
import { RealtimeClient } from '../../realtimeClient'
import type { RealtimeClientOptions } from '../../options'
import type { TokenReason } from '../../tokenManager'
import { FakeServer } from './fakeServer'

export interface TestSetup {
  server: FakeServer
  client: RealtimeClient
  /** Reasons `getToken` was called with, in order. */
  tokenCalls: TokenReason[]
  /** Errors the client emitted, by code. */
  errors: string[]
}

/**
 * A client wired to a {@link FakeServer} over WebSocket only, with deterministic randomness
 * (`random` → 0.5), no storage and no lifecycle target unless the test passes them.
 */
export function testClient(options: Partial<RealtimeClientOptions> = {}, server = new FakeServer()): TestSetup {
  const tokenCalls: TokenReason[] = []
  const errors: string[] = []
  const client = new RealtimeClient({
    url: 'https://rt.example.com',
    WebSocket: server.WebSocket,
    transports: ['websocket'],
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
  return { server, client, tokenCalls, errors }
}

/** Lets microtasks and due timers run (fake timers). */
export const settle = (ms = 0): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined)
