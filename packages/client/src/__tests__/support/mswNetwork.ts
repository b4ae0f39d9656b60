import { createMswHandlers, DEFAULT_JWT_SECRET, signToken, type MswHandlers, type MswHandlersOptions } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { setupServer, type SetupServer } from 'msw/node'
import { vi } from 'vitest'
import { RealtimeClient, type RealtimeClientOptions } from '../../index'

// The client against the Lifeline MSW handlers in jsdom: no server, the same protocol engine.
// jsdom has a WebSocket (msw patches it) but no EventSource; the `eventsource` package reads
// through `fetch`, which msw intercepts. Test files call `afterEach(stopMock)`.

/** The handlers of the running test (live binding: set by {@link startMock}). */
export let mock: MswHandlers
/** The msw server of the running test, for `network.use(...)`. */
export let network: SetupServer
const clients: RealtimeClient[] = []

// sample: jsdom-setup
export function startMock(options: MswHandlersOptions = {}): MswHandlers {
  vi.stubGlobal('EventSource', EventSource)
  mock = createMswHandlers({ url: 'http://realtime.test', ...options })
  network = setupServer(...mock.handlers)
  network.listen({ onUnhandledRequest: 'error' })
  return mock
}
// end sample

export const token = (sub: string, roles: string[] = []) => signToken({ secret: DEFAULT_JWT_SECRET, sub, roles })

/** A client of user `sub` (default `ada`) on the mock, connecting; disconnected by {@link stopMock}. */
export function connectClient(options: Partial<RealtimeClientOptions> & { sub?: string; roles?: string[] } = {}): RealtimeClient {
  const { sub = 'ada', roles, ...rest } = options
  const client = new RealtimeClient({ url: mock.url, storage: null, getToken: () => token(sub, roles), ...rest })
  clients.push(client)
  client.connect()
  return client
}

/** Disconnects the test's clients, closes the mock and undoes the stubs. */
export async function stopMock(): Promise<void> {
  for (const client of clients.splice(0)) client.disconnect()
  await mock.close()
  network.close()
  vi.useRealTimers()
  vi.unstubAllGlobals()
}
