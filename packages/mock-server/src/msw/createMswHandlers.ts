import { ROUTES, TRANSPORTS, type RouteName, type TransportName } from '@lifeline/protocol'
import { http, HttpResponse, ws, type HttpHandler, type WebSocketHandler, type WebSocketLink } from 'msw'
import { BINARY_FRAME, type ProtocolEngine } from '../engine/index'
import type { Faults } from '../faults'
import type { GatewayAnswer, GatewayRequest, OpenStream } from '../gateway/exchange'
import { createGateway, type GatewayOptions } from '../gateway/gateway'
import { routeAt } from '../gateway/routeTable'
import type { SessionControls } from '../sessionControls'
import { mswWebSocketOutlet } from './mswWebSocketOutlet'

export interface MswHandlersOptions extends GatewayOptions {
  /**
   * The base URL the client is given as `url`: WebSocket on `<url>/ws` (`ws:`/`wss:`), SSE on
   * `<url>/sse`, long-polling on `<url>/poll`, upstream on `<url>/sse/send`. Any host works: no
   * request leaves the process.
   * @default 'http://localhost'
   */
  url?: string
  /**
   * Which transports to mock; the routes of the others are left to your other handlers.
   * @default ['websocket', 'sse', 'long-polling']
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

/** The transport each route belongs to; the others serve every transport. */
const TRANSPORT_OF: Partial<Record<RouteName, TransportName[]>> = {
  webSocket: ['websocket'],
  sseTicket: ['sse'],
  sse: ['sse'],
  send: ['sse', 'long-polling'],
  pollConnect: ['long-polling'],
  poll: ['long-polling'],
}

/**
 * @note Every `ws.link()` adds a listener to one module-wide BroadcastChannel of msw and never
 * removes it, so a test file that makes fresh handlers per test trips Node's
 * MaxListenersExceededWarning. One link per URL, each call adding its own connection handler, does not.
 */
const webSocketLinks = new Map<string, WebSocketLink>()
const webSocketLink = (url: string) => webSocketLinks.get(url) ?? webSocketLinks.set(url, ws.link(url)).get(url)!

/** An intercepted fetch as the gateway reads it; `base` is the path prefix of the handlers' URL. */
function gatewayRequest(request: Request, basePath: string): GatewayRequest {
  const url = new URL(request.url)
  return {
    method: request.method,
    path: url.pathname.slice(basePath.length) || '/',
    query: url.searchParams,
    header: (name) => request.headers.get(name) ?? undefined,
    async body(limit) {
      const bytes = new Uint8Array(await request.arrayBuffer())
      return bytes.byteLength > limit ? undefined : bytes
    },
    gone: () => request.signal.aborted,
  }
}

/**
 * A stream answer as a streaming `Response`: what msw's own `sse()` returns, minus its event
 * encoding, so the bytes are the gateway's. The session ends when the client cancels the body
 * (service worker) or aborts the request (Node).
 */
function streamResponse(answer: Extract<GatewayAnswer, { stream: unknown }>, request: Request): Response {
  let open: OpenStream | undefined
  let done = false
  const closed = () => {
    done = true
    open?.closed()
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        if (done) return
        done = true
        controller.close()
      }
      open = answer.stream({
        write: (bytes) => done || controller.enqueue(bytes),
        end,
        // No network to cut: ending is all a client can see. (Erroring the body instead leaves the
        // `eventsource` package with an unhandled rejection and no `error` event.)
        abort: end,
        bufferedBytes: () => 0,
      })
    },
    cancel: closed,
  })
  request.signal.addEventListener('abort', closed, { once: true })
  // The client may have gone while the ticket was checked.
  if (request.signal.aborted) closed()
  return new Response(body, { status: answer.status, headers: answer.headers })
}

/** An answer as a `Response`; statuses like 204 must have no body at all. */
function toResponse(answer: GatewayAnswer, request: Request): Response {
  if ('stream' in answer) return streamResponse(answer, request)
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers })
}

/**
 * The Lifeline protocol as msw handlers: the gateway and engine of `createServer`, over
 * `ws.link()` and `http`, so client unit tests and browser demos run without a server.
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
  const { url = 'http://localhost', transports = [...TRANSPORTS], ...gatewayOptions } = options
  if (!/^https?:\/\/[^/]/.test(url)) throw new TypeError(`createMswHandlers: "url" must be an http(s) URL, got ${url}`)
  if (!transports.length || transports.some((name) => !(TRANSPORTS as readonly string[]).includes(name))) {
    throw new TypeError(`createMswHandlers: "transports" must list some of ${TRANSPORTS.map((name) => `'${name}'`).join(', ')}, got ${JSON.stringify(transports)}`)
  }
  const base = url.replace(/\/+$/, '')
  const basePath = new URL(base).pathname.replace(/\/+$/, '')
  const gateway = createGateway(gatewayOptions)
  const served = (route: RouteName) => TRANSPORT_OF[route]?.some((name) => transports.includes(name)) ?? true
  let closed = false

  // Every protocol path under the base; other paths fall through to the app's other handlers.
  const protocol = http.all(`${base}/*`, async ({ request }) => {
    const incoming = gatewayRequest(request, basePath)
    const route = routeAt(incoming.path)
    if (!route || !served(route)) return undefined
    if (closed) return HttpResponse.error()
    const answer = await gateway.handle(incoming)
    return answer && toResponse(answer, request)
  })

  const webSocket = () =>
    webSocketLink(`${base.replace(/^http/, 'ws')}${ROUTES.webSocket.path}`).addEventListener('connection', ({ client }) => {
      // msw's WebSocket has no upgrade request, so no Origin: the path and the fault switches decide.
      const verdict = gateway.upgrade(ROUTES.webSocket.path, undefined)
      // A refused upgrade reaches the page as a close without `open`; 1006 is what browsers report.
      if (closed || !verdict.accept) return client.close(1006, 'WebSocket upgrade refused')
      if (verdict.silent) return // accepted, then nothing: frames in are ignored, none go out
      const session = gateway.openWebSocket(mswWebSocketOutlet(client))
      client.addEventListener('message', (event) => session.receive(typeof event.data === 'string' ? event.data : BINARY_FRAME))
      client.addEventListener('close', () => session.closed())
    })

  const { controls } = gateway
  return {
    url: base,
    handlers: [...(transports.includes('websocket') ? [webSocket()] : []), protocol],
    get engine() {
      return gateway.engine
    },
    faults: gateway.faults,
    get clients() {
      return controls.clients
    },
    connected: controls.connected,
    publish: controls.publish,
    disconnectAll: controls.disconnectAll,
    expireTokens: controls.expireTokens,
    silenceWebSocketNow: controls.silenceWebSocketNow,
    async close() {
      if (closed) return
      closed = true
      await gateway.close()
    },
  }
}
