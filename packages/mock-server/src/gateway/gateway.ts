import { SESSION_HEADER, type ErrorCode, type RouteName } from '@lifeline/protocol'
import { systemClock } from '../engine/clock'
import { DEFAULT_LIMITS, ProtocolEngine, type EngineOptions, type HttpAnswer, type Outlet } from '../engine/index'
import { NO_FAULTS, type Faults } from '../faults'
import { sessionControls, type SessionControls } from '../sessionControls'
import { bodyText } from './bodyText'
import { corsHeaders } from './cors'
import { errorAnswer, fromHttpAnswer, withHeaders, type GatewayAnswer, type GatewayRequest } from './exchange'
import { pollRoutes } from './pollRoutes'
import { allowedMethods, PROTOCOL_PATHS, routeAt } from './routeTable'
import { openSseStream, SSE_HEADERS } from './sseStream'
import { webSocketGate, type UpgradeVerdict, type WebSocketSession } from './webSocketGate'

export interface GatewayOptions extends EngineOptions {
  /**
   * Longest a long poll is held while there is nothing to send. Must stay below `heartbeatMs`, so
   * a polling client hears from the server at least that often.
   * @default 20_000, or 80 % of `heartbeatMs` when that is lower
   */
  pollMs?: number
}

/**
 * The protocol's HTTP and WebSocket surface, whatever host carries it: routes, CORS, fault
 * switches, the SSE opening, long-polling and the test helpers. A host (the Node server, the MSW
 * handlers) only turns its requests into {@link GatewayRequest}s and writes the answers out.
 */
export interface Gateway {
  /** The current engine (`renew()` replaces it). */
  readonly engine: ProtocolEngine
  readonly faults: Faults
  readonly controls: SessionControls
  /** Largest command frame; a host reading WebSocket frames needs it. */
  readonly maxFrameBytes: number
  /**
   * The answer to a request on a protocol path, or `undefined` for any other path (the host's
   * fallback, or {@link Gateway.notFound}).
   */
  handle(request: GatewayRequest): Promise<GatewayAnswer | undefined>
  /** `404 NOT_FOUND` for a path outside the protocol. */
  notFound(request: GatewayRequest): GatewayAnswer
  /** Whether to complete a WebSocket upgrade on `path`. */
  upgrade(path: string, origin: string | undefined): UpgradeVerdict
  /** A completed WebSocket upgrade on `outlet`; `peer` is the client's address. */
  openWebSocket(outlet: Outlet, peer?: string): WebSocketSession
  /** Closes every session of the current engine (4100) and its broker if it made one. */
  close(): Promise<void>
  /** A fresh engine with the same options; faults and helpers carry over (a restart). */
  renew(): void
}

type Route = (request: GatewayRequest, engine: ProtocolEngine) => Promise<GatewayAnswer>

/** Creates the gateway and its engine. Throws a `TypeError` for bad options. */
export function createGateway(options: GatewayOptions = {}): Gateway {
  const { pollMs: pollOption, ...engineOptions } = options
  const heartbeatMs = engineOptions.heartbeatMs ?? DEFAULT_LIMITS.heartbeatMs
  const pollMs = pollOption ?? Math.min(20_000, Math.floor(heartbeatMs * 0.8))
  if (!(Number.isInteger(pollMs) && pollMs > 0 && pollMs < heartbeatMs)) {
    throw new TypeError(`Option "pollMs" must be a positive integer below heartbeatMs (${heartbeatMs}), got ${String(pollMs)}`)
  }
  const maxFrameBytes = engineOptions.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes
  // Room for a whole frame escaped into a JSON body; past that a body is refused before it is parsed.
  const bodyLimit = 2 * maxFrameBytes

  let engine = new ProtocolEngine(engineOptions)
  const faults: Faults = { ...NO_FAULTS }
  const sockets = webSocketGate(faults)
  const { controls, sessionChanged } = sessionControls(() => engine, () => sockets.silenceNow())
  let unwatch = engine.onSession(sessionChanged)

  const log = engineOptions.log ?? ((message: string, error: unknown) => console.error(`[lifeline] ${message}`, error))
  const refuse = (on: ProtocolEngine, code: ErrorCode, message: string, headers?: Record<string, string>): GatewayAnswer => {
    on.metrics.error(code)
    return errorAnswer(code, message, headers)
  }
  const polls = pollRoutes({
    faults,
    timings: { pollMs, idleMs: heartbeatMs + pollMs, clock: engineOptions.clock ?? systemClock },
    bodyLimit,
    refuse,
  })
  const withBody =
    (run: (request: GatewayRequest, body: string, on: ProtocolEngine) => Promise<HttpAnswer>): Route =>
    async (request, on) => {
      const body = await bodyText(request, bodyLimit)
      return 'error' in body ? refuse(on, body.error.code, body.error.message) : fromHttpAnswer(await run(request, body.text, on))
    }

  const routes: Record<RouteName, Route> = {
    webSocket: async (_request, on) => refuse(on, 'BAD_REQUEST', 'This is the WebSocket endpoint: open it with an upgrade request (Upgrade: websocket)'),
    sseTicket: withBody((request, body, on) => on.issueTicket(request.header('authorization'), body)),
    async sse(request, on) {
      if (faults.dropSse) return refuse(on, 'UNAVAILABLE', 'SSE is unavailable (fault injection); retry')
      const grant = await on.redeemTicket(request.query.get('ticket'))
      if ('status' in grant) return fromHttpAnswer(grant)
      // The client left while its ticket was redeemed: the host has reported that end already, so a
      // stream opened now would hold a session nobody reads, never cut (its writes go nowhere).
      if (request.gone()) return errorAnswer('BAD_TICKET', 'The client left before its stream opened; the ticket is spent')
      return { status: 200, headers: SSE_HEADERS, stream: (sink) => openSseStream(on, grant, faults, sink, request.peer) }
    },
    send: withBody((request, body, on) => on.upstream(request.header('authorization'), request.header(SESSION_HEADER), body)),
    pollConnect: polls.connect,
    poll: polls.poll,
    publish: withBody((request, body, on) => on.publishApi(request.header('authorization'), body)),
    health: async (_request, on) => fromHttpAnswer(on.health()),
    metrics: async (_request, on) => ({ status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: on.metricsText() }),
  }

  return {
    get engine() {
      return engine
    },
    faults,
    controls,
    maxFrameBytes,

    async handle(request) {
      const route = routeAt(request.path)
      if (!route) return undefined
      // The engine of this request, even if a restart replaces it meanwhile.
      const on = engine
      const origin = request.header('origin')
      if (!on.originAllowed(origin)) return refuse(on, 'ORIGIN_NOT_ALLOWED', `Origin ${origin} is not allowed`)
      const cors = corsHeaders(route, origin)
      if (request.method === 'OPTIONS') return { status: 204, headers: cors, body: '' }
      const methods = allowedMethods(route)
      if (!methods.includes(request.method)) {
        return refuse(on, 'METHOD_NOT_ALLOWED', `${request.method} ${request.path} is not allowed; use ${methods.join(' or ')}`, { allow: methods.join(', '), ...cors })
      }
      try {
        return withHeaders(await routes[route](request, on), cors)
      } catch (error) {
        // A request the host already cut (its body was too slow) is nobody's failure to report.
        if (!request.gone()) {
          on.metrics.error('INTERNAL')
          log('request failed', error)
        }
        return errorAnswer('INTERNAL', 'Internal error', cors)
      }
    },

    notFound: (request) => refuse(engine, 'NOT_FOUND', `No route for ${request.method} ${request.path}; the protocol's paths are ${PROTOCOL_PATHS.join(', ')}`),
    upgrade: (path, origin) => sockets.verdict(engine, path, origin),
    openWebSocket: (outlet, peer) => sockets.open(engine, outlet, peer),
    close: () => engine.close(),

    renew() {
      unwatch()
      engine = new ProtocolEngine(engineOptions)
      unwatch = engine.onSession(sessionChanged)
    },
  }
}
