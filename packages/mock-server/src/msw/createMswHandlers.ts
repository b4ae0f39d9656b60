import type { TransportName } from '@lifeline/protocol'
import { http, HttpResponse, sse, ws, type HttpHandler, type JsonBodyType, type WebSocketHandler, type WebSocketLink } from 'msw'
import { BINARY_FRAME, ProtocolEngine, SSE_NO_RETRY_MS, type EngineOptions, type HttpAnswer } from '../engine/index'
import { NO_FAULTS, type Faults } from '../faults'
import { mswSseLink } from './mswSseLink'
import { mswWebSocketLink } from './mswWebSocketLink'
import { sessionControls, type SessionControls } from '../sessionControls'

export interface MswHandlersOptions extends EngineOptions {
  /**
   * The base URL the client is given as `url`: WebSocket on `<url>/ws` (`ws:`/`wss:`), SSE on
   * `<url>/sse`, upstream on `<url>/sse/send`. Any host works: no request leaves the process.
   * @default 'http://localhost'
   */
  url?: string
  /**
   * Which transports to mock. msw's `sse()` needs a global `EventSource` (browsers have one; in
   * Node or jsdom install the `eventsource` package's first), so WebSocket-only tests can drop `'sse'`.
   * @default ['websocket', 'sse']
   */
  transports?: TransportName[]
}

/** The protocol over msw, with the Node server's test helpers and fault switches. */
export interface MswHandlers extends SessionControls {
  /** What `RealtimeClient` takes as `url`. */
  readonly url: string
  /** Pass them to `setupServer(...)` (Node) or `setupWorker(...)` (browser). */
  readonly handlers: Array<HttpHandler | WebSocketHandler>
  /** The protocol engine behind these handlers. */
  readonly engine: ProtocolEngine
  /** Fault injection switches (the Node server's), changeable at any time. */
  readonly faults: Faults
  /** Closes every connection (4100) and answers later requests with a network error. Idempotent. */
  close(): Promise<void>
}

/**
 * @note Every `ws.link()` adds a listener to one module-wide BroadcastChannel of msw and never
 * removes it, so a test file that makes fresh handlers per test trips Node's
 * MaxListenersExceededWarning. One link per URL, each call adding its own connection handler, does not.
 */
const webSocketLinks = new Map<string, WebSocketLink>()
const webSocketLink = (url: string) => webSocketLinks.get(url) ?? webSocketLinks.set(url, ws.link(url)).get(url)!

/**
 * The Lifeline protocol as msw handlers: the same engine as `createServer`, over `ws.link()`,
 * `sse()` and `http`, so client unit tests and browser demos run without a server.
 *
 * @example
 * const mock = createMswHandlers({ url: 'http://realtime.test' })
 * const server = setupServer(...mock.handlers)
 * server.listen()
 * const client = new RealtimeClient({ url: mock.url, getToken })
 * client.connect()
 * await mock.connected()
 * await mock.publish('leaderboard', 'score', { user: 'ada', points: 3 })
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/testing.md#the-msw-handlers
 */
export function createMswHandlers(options: MswHandlersOptions = {}): MswHandlers {
  const { url = 'http://localhost', transports = ['websocket', 'sse'], ...engineOptions } = options
  if (!/^https?:\/\/[^/]/.test(url)) throw new TypeError(`createMswHandlers: "url" must be an http(s) URL, got ${url}`)
  if (!transports.length || transports.some((name) => name !== 'websocket' && name !== 'sse')) {
    throw new TypeError(`createMswHandlers: "transports" must list 'websocket' and/or 'sse', got ${JSON.stringify(transports)}`)
  }
  const base = url.replace(/\/+$/, '')
  const engine = new ProtocolEngine(engineOptions)
  const faults: Faults = { ...NO_FAULTS }
  const { controls, sessionChanged } = sessionControls(() => engine)
  const unwatch = engine.onSession(sessionChanged)
  let closed = false

  const answer = ({ status, body }: HttpAnswer) => HttpResponse.json(body as JsonBodyType, { status })
  // Like the Node server's routes: the engine answers, the host only moves bytes.
  const post = (path: string, run: (request: Request, body: string) => Promise<HttpAnswer>) =>
    http.post(`${base}${path}`, async ({ request }) => (closed ? HttpResponse.error() : answer(await run(request, await request.text()))))

  const webSocket = () =>
    webSocketLink(`${base.replace(/^http/, 'ws')}/ws`).addEventListener('connection', ({ client }) => {
      // A refused upgrade reaches the page as a close without `open`; 1006 is what browsers report.
      if (closed || faults.refuseWebSocket) return client.close(1006, 'WebSocket upgrade refused')
      if (faults.silenceWebSocket) return // accepted, then nothing: frames in are ignored, none go out
      const session = engine.acceptWebSocket(mswWebSocketLink(client))
      client.addEventListener('message', (event) => session.receive(typeof event.data === 'string' ? event.data : BINARY_FRAME))
      client.addEventListener('close', () => session.closed())
    })

  const eventStream = () =>
    sse<{ message: string }>(`${base}/sse`, async ({ request, client }) => {
      // An EventSource never sees why a stream was refused, only that it failed: an empty stream
      // says that. (msw's `client.error()` errors the body without a reason, which the
      // `eventsource` package cannot handle: an unhandled rejection, and no `error` event.)
      if (closed || faults.dropSse) return client.close()
      const grant = await engine.redeemTicket(new URL(request.url).searchParams.get('ticket'))
      if ('status' in grant) return client.close()
      client.send({ retry: SSE_NO_RETRY_MS })
      const session = engine.openEventStream(grant, mswSseLink(client, () => faults.sseDelayMs))
      const ended = () => session.closed()
      request.signal.addEventListener('abort', ended, { once: true })
      // @note Behind msw's service worker the request never aborts when the page closes its
      // EventSource; msw only calls `client.close()` as the stream is cancelled, with no event to
      // listen to. Without this the session would linger, and be counted in `clients`, until its
      // token expired.
      const close = client.close.bind(client)
      client.close = () => {
        close()
        ended()
      }
      // The client may have gone while the ticket was checked.
      if (request.signal.aborted) ended()
    })

  const handlers: Array<HttpHandler | WebSocketHandler> = [
    ...(transports.includes('websocket') ? [webSocket()] : []),
    ...(transports.includes('sse')
      ? [
          eventStream(),
          post('/sse/ticket', (request, body) => engine.issueTicket(request.headers.get('authorization'), body)),
          post('/sse/send', (request, body) => engine.upstream(request.headers.get('authorization'), request.headers.get('lifeline-session'), body)),
        ]
      : []),
    post('/publish', (request, body) => engine.publishApi(request.headers.get('authorization'), body)),
    http.get(`${base}/healthz`, () => (closed ? HttpResponse.error() : answer(engine.health()))),
    http.get(`${base}/metrics`, () => (closed ? HttpResponse.error() : HttpResponse.text(engine.metricsText()))),
  ]

  return {
    url: base,
    handlers,
    engine,
    faults,
    get clients() {
      return controls.clients
    },
    connected: controls.connected,
    publish: controls.publish,
    disconnectAll: controls.disconnectAll,
    expireTokens: controls.expireTokens,
    async close() {
      if (closed) return
      closed = true
      unwatch()
      await engine.close()
    },
  }
}
