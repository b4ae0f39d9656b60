import { createServer, signToken, DEFAULT_JWT_SECRET, type MockServer, type ServerOptions } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import { WebSocket } from 'ws'
import { RealtimeClient, type Channel, type KeyValueStorage, type RealtimeClientOptions } from '../../src/index'
import { perTest } from './perTest'

/** Everything a test started, closed together in `afterEach`. */
export interface Harness {
  server: MockServer
  clients: RealtimeClient[]
  /** A client wired to the server with Node's network constructors and a token for `sub`. */
  client(options?: Partial<RealtimeClientOptions> & { sub?: string; roles?: string[] }): RealtimeClient
  token(sub?: string, options?: { roles?: string[]; expiresInSeconds?: number }): Promise<string>
  close(): Promise<void>
}

/**
 * A fresh server for every test of the file, its clients disconnected and the server closed after
 * each. Pass a function when the options hold something that must not outlive a test (a broker).
 */
export function useHarness(options?: ServerOptions | (() => ServerOptions)): Harness {
  return perTest(() => startHarness(typeof options === 'function' ? options() : options), (harness) => harness.close())
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
      // sample: node-client
      // Node 20 has fetch but no EventSource (and before Node 22 no WebSocket): pass the packages'.
      const client = new RealtimeClient({
        url: server.url,
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
        EventSource: EventSource as unknown as typeof globalThis.EventSource,
        storage: null,
        getToken: () => token(sub, roles ? { roles } : {}),
        ...rest,
      })
      // end sample
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

/** Resolves once `condition()` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Records the `n` of every `{ n }` payload of `event` the app receives on `channel`, in order. */
export function received(channel: Channel, event: string): number[] {
  const seen: number[] = []
  channel.on(event, (data) => seen.push((data as { n: number }).n))
  return seen
}

/** `[1, 2, …, count]`. */
export const sequence = (count: number, from = 1): number[] => Array.from({ length: count }, (_, index) => from + index)

/** Publishes `{ n }` for each `n` as the server, one after the other. */
export async function publishAll(server: MockServer, channel: string, event: string, numbers: number[]): Promise<void> {
  for (const n of numbers) await server.publish(channel, event, { n })
}

/** A `localStorage` stand-in that tests can inspect. */
export function memoryStorage(): KeyValueStorage & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) }
}

/** Node's network constructors wrapped to count what the client opens. */
export function countingNetwork() {
  const opened = { websocket: 0, sse: 0, tickets: 0 }
  class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      opened.websocket += 1
    }
  }
  class CountingEventSource extends EventSource {
    constructor(...args: ConstructorParameters<typeof EventSource>) {
      super(...args)
      opened.sse += 1
    }
  }
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input).endsWith('/sse/ticket')) opened.tickets += 1
    return fetch(input, init)
  }
  return {
    opened,
    WebSocket: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: CountingEventSource as unknown as typeof globalThis.EventSource,
    fetch: countingFetch,
  }
}
