import { EventSource } from 'eventsource'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RealtimeClient } from '../realtimeClient'
import { DEFAULT_OPTIONS, type RealtimeClientOptions } from '../options'

/** Records the URLs the client asks to open, and never answers: enough to see where it goes. */
function recordingNetwork() {
  const opened: string[] = []
  class RecordingWebSocket extends EventTarget {
    constructor(url: string) {
      super()
      opened.push(url)
    }
    send() {}
    close() {}
  }
  const fetch = (input: RequestInfo | URL) => {
    opened.push(String(input))
    return new Promise<Response>(() => {})
  }
  return { opened, WebSocket: RecordingWebSocket as unknown as typeof globalThis.WebSocket, fetch: fetch as typeof globalThis.fetch }
}

const valid: RealtimeClientOptions = {
  url: 'https://rt.example.com',
  WebSocket: globalThis.WebSocket,
  EventSource: EventSource as unknown as typeof globalThis.EventSource,
  fetch: globalThis.fetch,
  storage: null,
  lifecycleTarget: null,
}

describe('RealtimeClient options', () => {
  it('accepts a minimal configuration and never connects on construction', () => {
    const network = recordingNetwork()
    new RealtimeClient({ ...valid, WebSocket: network.WebSocket, fetch: network.fetch })
    expect(network.opened).toEqual([])
  })

  // Each message says what is wrong and what to do about it.
  it.each<[string, Partial<RealtimeClientOptions>, string]>([
    ['a missing url', { url: undefined as unknown as string }, `RealtimeClient: option "url" is required, e.g. 'https://rt.example.com' or '/realtime'`],
    ['a url of another scheme', { url: 'ftp://rt.example.com' }, `RealtimeClient: url 'ftp://rt.example.com' must start with https://, http://, wss://, ws:// or /`],
    ['a host without a scheme', { url: 'rt.example.com' }, `RealtimeClient: url 'rt.example.com' is not a URL, e.g. 'https://rt.example.com' or '/realtime'`],
    ['a url with a query', { url: 'https://rt.example.com/?token=x' }, `RealtimeClient: url 'https://rt.example.com/?token=x' must not have a query or fragment`],
    ['an empty transport list', { transports: [] }, 'RealtimeClient: option "transports" must be a non-empty list of "websocket", "sse", "long-polling"'],
    ['an unknown transport', { transports: ['carrier-pigeon' as 'sse'] }, 'got ["carrier-pigeon"]'],
    ['a negative queueSize', { queueSize: -1 }, 'RealtimeClient: option "queueSize" must be a number >= 0, got -1'],
    ['a NaN connectTimeoutMs', { connectTimeoutMs: Number.NaN }, 'RealtimeClient: option "connectTimeoutMs" must be a number >= 0, got null'],
    ['a string where a number belongs', { minUptimeMs: '5000' as unknown as number }, 'RealtimeClient: option "minUptimeMs" must be a number >= 0, got "5000"'],
    ['a NaN backoff bound', { reconnectDelay: { minMs: Number.NaN } }, 'RealtimeClient: option "reconnectDelay.minMs" must be a number >= 0, got null'],
    ['a negative probe bound', { upgradeDelay: { maxMs: -1 } }, 'RealtimeClient: option "upgradeDelay.maxMs" must be a number >= 0, got -1'],
    ['a getToken that is not a function', { getToken: 'token' as never }, 'RealtimeClient: option "getToken" must be a function, got "token"'],
    ['a WebSocket that is not a constructor', { WebSocket: {} as never }, 'RealtimeClient: WebSocket must be a function: pass `WebSocket` from the ws package, or leave "websocket" out of `transports`'],
  ])('throws TypeError for %s', (_case, override, message) => {
    expect(() => new RealtimeClient({ ...valid, ...override })).toThrow(TypeError)
    expect(() => new RealtimeClient({ ...valid, ...override })).toThrow(message)
  })

  describe('in an environment without WebSocket, EventSource or fetch (Node 20)', () => {
    afterEach(() => vi.unstubAllGlobals())

    it.each<[string, string]>([
      ['WebSocket', 'RealtimeClient: WebSocket is not defined in this environment: pass `WebSocket` from the ws package, or leave "websocket" out of `transports`'],
      ['EventSource', 'RealtimeClient: EventSource is not defined in this environment: pass `EventSource` from the eventsource package, or leave "sse" out of `transports`'],
      ['fetch', 'RealtimeClient: fetch is not defined in this environment: pass `fetch` (SSE and long-polling send with it), or use transports: ["websocket"]'],
    ])('names the missing %s and where to get it', (name, message) => {
      vi.stubGlobal(name, undefined)
      const { [name as 'fetch']: _dropped, ...rest } = valid
      expect(() => new RealtimeClient(rest)).toThrow(message)
    })
  })

  it('needs only the constructors of the transports it uses', () => {
    expect(() => new RealtimeClient({ ...valid, transports: ['sse'], WebSocket: undefined })).not.toThrow()
    expect(() => new RealtimeClient({ ...valid, transports: ['websocket'], EventSource: undefined, fetch: undefined })).not.toThrow()
  })

  describe('url', () => {
    afterEach(() => vi.unstubAllGlobals())

    /** The URL the client's first WebSocket (or SSE ticket request) goes to. */
    async function firstRequest(url: string, transports: RealtimeClientOptions['transports'] = ['websocket']): Promise<string> {
      const network = recordingNetwork()
      const client = new RealtimeClient({ ...valid, url, transports, WebSocket: network.WebSocket, fetch: network.fetch })
      client.connect()
      await vi.waitFor(() => expect(network.opened.length).toBeGreaterThan(0))
      client.disconnect()
      return network.opened[0]!
    }

    it('takes a path, resolved against the page (as in the RealtimeProvider example)', async () => {
      vi.stubGlobal('location', new URL('https://app.example.com/board/7?tab=1'))
      expect(await firstRequest('/realtime')).toBe('wss://app.example.com/realtime/ws')
      expect(await firstRequest('/realtime/', ['sse'])).toBe('https://app.example.com/realtime/sse/ticket')
    })

    it('takes ws:// and wss:// for the same server (SSE then goes over http/https)', async () => {
      expect(await firstRequest('wss://rt.example.com/base/')).toBe('wss://rt.example.com/base/ws')
      expect(await firstRequest('wss://rt.example.com', ['sse'])).toBe('https://rt.example.com/sse/ticket')
      expect(await firstRequest('ws://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws')
    })

    it('takes http:// and https://, with or without a trailing slash', async () => {
      expect(await firstRequest('https://rt.example.com/')).toBe('wss://rt.example.com/ws')
      expect(await firstRequest('http://127.0.0.1:8080', ['sse'])).toBe('http://127.0.0.1:8080/sse/ticket')
    })

    it('says to pass an absolute URL when a path has no page to resolve against (Node, workers without location)', () => {
      vi.stubGlobal('location', undefined)
      expect(() => new RealtimeClient({ ...valid, url: '/realtime' })).toThrow(
        "RealtimeClient: url '/realtime' is a path, and there is no page to resolve it against: pass an absolute URL",
      )
    })
  })

  it('documents one default per option', () => {
    expect(DEFAULT_OPTIONS).toMatchObject({ transports: ['websocket', 'sse', 'long-polling'], connectTimeoutMs: 5000, fallbackAfterMs: 1000, livenessMs: 10_000, queueSize: 100, maxReconnectAttempts: Infinity })
  })
})
