import { RealtimeClient, type RealtimeClientOptions } from '@lifeline/client'
import { EventSource } from 'eventsource'
import { setupServer, type SetupServer } from 'msw/node'
import { vi } from 'vitest'
import { WebSocket } from 'ws'
import { createMswHandlers, DEFAULT_JWT_SECRET, signToken, type MswHandlers, type MswHandlersOptions } from '../../msw/index'

/** Everything a test started, closed together in `afterEach`. */
export interface MswHarness {
  mock: MswHandlers
  server: SetupServer
  /** A client with the page's globals (intercepted by msw) and a token for `sub`. */
  client(options?: Partial<RealtimeClientOptions> & { sub?: string; roles?: string[] }): RealtimeClient
  token(sub?: string, options?: { roles?: string[]; expiresInSeconds?: number }): Promise<string>
  close(): Promise<void>
}

/**
 * Starts msw with the Lifeline handlers in Node. Node 20 has no global `WebSocket` (22 has) and no
 * `EventSource`: msw patches the global `WebSocket` it finds, and `sse()` requires an
 * `EventSource`, so the `ws` and `eventsource` packages stand in, as a browser's would. The
 * `eventsource` package reads through `fetch`, which msw intercepts.
 */
export function startMsw(options: MswHandlersOptions = {}): MswHarness {
  vi.stubGlobal('WebSocket', globalThis.WebSocket ?? WebSocket)
  vi.stubGlobal('EventSource', globalThis.EventSource ?? EventSource)
  const mock = createMswHandlers(options)
  const server = setupServer(...mock.handlers)
  server.listen({ onUnhandledRequest: 'error' })
  const clients: RealtimeClient[] = []
  const token = (sub = 'ada', { roles = [], expiresInSeconds = 3600 }: { roles?: string[]; expiresInSeconds?: number } = {}) =>
    signToken({ secret: options.jwtSecret ?? DEFAULT_JWT_SECRET, sub, roles, expiresInSeconds })
  return {
    mock,
    server,
    token,
    client({ sub = 'ada', roles = [], ...rest } = {}) {
      const client = new RealtimeClient({ url: mock.url, storage: null, getToken: () => token(sub, { roles }), ...rest })
      clients.push(client)
      return client
    },
    async close() {
      for (const client of clients) client.disconnect()
      await mock.close()
      server.close()
      vi.unstubAllGlobals()
    },
  }
}
