import { createServer, signToken, DEFAULT_JWT_SECRET, type MockServer, type ServerOptions } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import { WebSocket } from 'ws'
import { RealtimeClient, type RealtimeClientOptions } from '../../src/index'

/** Everything a test started, closed together in `afterEach`. */
export interface Harness {
  server: MockServer
  clients: RealtimeClient[]
  /** A client wired to the server with Node's network constructors and a token for `sub`. */
  client(options?: Partial<RealtimeClientOptions> & { sub?: string; roles?: string[] }): RealtimeClient
  token(sub?: string, options?: { roles?: string[]; expiresInSeconds?: number }): Promise<string>
  close(): Promise<void>
}

export async function startHarness(options: ServerOptions = {}): Promise<Harness> {
  const server = await createServer({ port: 0, ...options })
  const clients: RealtimeClient[] = []
  const token = (sub = 'ada', { roles = [], expiresInSeconds = 3600 }: { roles?: string[]; expiresInSeconds?: number } = {}) =>
    signToken({ secret: options.jwtSecret ?? DEFAULT_JWT_SECRET, sub, roles, expiresInSeconds })
  return {
    server,
    clients,
    token,
    client({ sub = 'ada', roles, ...rest } = {}) {
      const client = new RealtimeClient({
        url: server.url,
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
        EventSource: EventSource as unknown as typeof globalThis.EventSource,
        storage: null,
        getToken: () => token(sub, roles ? { roles } : {}),
        ...rest,
      })
      clients.push(client)
      return client
    },
    async close() {
      for (const client of clients) client.disconnect()
      await server.close()
    },
  }
}

/** Resolves with the first event for which `predicate` holds. */
export function next<T>(subscribe: (handler: (value: T) => void) => () => void, predicate: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const stop = subscribe((value) => {
      if (!predicate(value)) return
      stop()
      resolve(value)
    })
  })
}
