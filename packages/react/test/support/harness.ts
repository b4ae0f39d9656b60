import { RealtimeClient, type RealtimeClientOptions } from '@lifeline/client'
import { createServer, DEFAULT_JWT_SECRET, MemoryBroker, signToken, type MockServer, type ServerOptions } from '@lifeline/mock-server'
import { cleanup } from '@testing-library/react'
import { afterEach, beforeEach, vi } from 'vitest'
import { WebSocket } from 'ws'

// This project runs in jsdom, so Vite resolves `ws` with the `browser` condition to its stub that
// throws ("ws does not work in the browser"). The server and the client's injected WebSocket need
// the real Node package, loaded here by Node's own resolver for every importer (hoisted by vitest).
vi.mock('ws', async () => {
  const { createRequire } = await import('node:module')
  const ws = createRequire(import.meta.url)('ws') as typeof import('ws')
  return { ...ws, default: ws }
})

/**
 * Every `subscribe` a session makes on the server goes through the broker, so counting here counts
 * server subscriptions, whatever the client believes it sent.
 */
class CountingBroker extends MemoryBroker {
  readonly subscribes = new Map<string, number>()

  override subscribe(...args: Parameters<MemoryBroker['subscribe']>): Promise<() => void> {
    const [channel] = args
    this.subscribes.set(channel, (this.subscribes.get(channel) ?? 0) + 1)
    return super.subscribe(...args)
  }
}

/** A real mock server on port 0 and the clients of one test, closed together in `afterEach`. */
export interface Harness {
  server: MockServer
  /**
   * A client of the server over WebSocket only. jsdom's own `WebSocket` cannot reach a Node server
   * reliably, so the `ws` package's is injected, the way a Node app would.
   */
  client(options?: Partial<RealtimeClientOptions>): RealtimeClient
  /** WebSockets the harness' clients constructed: connection attempts, counted where they start. */
  readonly sockets: number
  /** Handshakes the server completed. */
  readonly connections: number
  /** `subscribe` commands the server carried out for `channel`. */
  subscribes(channel: string): number
  /** Sessions subscribed to `channel` on the server right now. */
  subscribers(channel: string): number
  /** Errors the server answered, by code (a duplicate subscribe would show as `ALREADY_SUBSCRIBED`). */
  errors(): Record<string, number>
  close(): Promise<void>
}

export async function startHarness(options: ServerOptions = {}): Promise<Harness> {
  const broker = new CountingBroker()
  const server = await createServer({ port: 0, broker, ...options })
  const clients: RealtimeClient[] = []
  let sockets = 0
  let connections = 0
  const stopCounting = server.engine.onSession((event) => {
    if (event === 'open') connections += 1
  })
  class CountedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      sockets += 1
    }
  }
  return {
    server,
    client(clientOptions = {}) {
      const client = new RealtimeClient({
        url: server.url,
        transports: ['websocket'],
        WebSocket: CountedWebSocket as unknown as typeof globalThis.WebSocket,
        storage: null,
        getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada' }),
        ...clientOptions,
      })
      clients.push(client)
      return client
    },
    get sockets() {
      return sockets
    },
    get connections() {
      return connections
    },
    subscribes: (channel) => broker.subscribes.get(channel) ?? 0,
    subscribers: (channel) => server.clients.filter((client) => client.channels.includes(channel)).length,
    errors: () => Object.fromEntries(server.engine.metrics.errors),
    async close() {
      for (const client of clients) client.disconnect()
      stopCounting()
      await server.close()
      await broker.close()
    },
  }
}

/** Client options that connect as user `sub` (the harness' clients are `ada` otherwise). */
export const asUser = (sub: string): Pick<RealtimeClientOptions, 'getToken'> => ({ getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub }) })

/** Patience for what a test waits to see on a busy machine (`waitFor` options). */
export const WAIT = { timeout: 20_000 }

/**
 * A fresh harness for every test of the file (rendered trees unmounted and the server closed after
 * each), read through the returned object.
 */
export function useHarness(options?: ServerOptions): Harness {
  let current: Harness | undefined
  beforeEach(async () => {
    current = await startHarness(options)
  })
  afterEach(async () => {
    cleanup()
    await current?.close()
    current = undefined
  })
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (!current) throw new Error('The harness exists only inside a test (useHarness() sets it up in beforeEach)')
      return Reflect.get(current, key)
    },
  })
}
