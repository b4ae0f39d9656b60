import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { ErrorBody } from '@lifeline/protocol'
import { WebSocketServer } from 'ws'
import { BINARY_FRAME, ProtocolEngine, SSE_NO_RETRY_MS, type EngineOptions, type HttpAnswer } from './engine/index'
import { NO_FAULTS, type Faults } from './faults'
import { readBody } from './readBody'
import { sessionControls, type SessionControls } from './sessionControls'
import { sseLink } from './sseLink'
import { webSocketLink } from './webSocketLink'

export interface ServerOptions extends EngineOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `server.port`).
   * @default 0
   */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /**
   * Handles requests that are not part of the protocol (for example the demo gallery's page and
   * controls), served on the same port. Without it they get `404`.
   */
  fallback?: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>
}

/** A running mock server, with test helpers and fault injection. */
export interface MockServer extends SessionControls {
  /** `http://host:port`: what `RealtimeClient` takes as `url`. */
  readonly url: string
  readonly port: number
  /** The protocol engine behind this server (replaced by `restart()`). */
  readonly engine: ProtocolEngine
  /** Fault injection switches; change them at any time. */
  readonly faults: Faults
  /**
   * Stops and starts again on the same port. With the default in-memory broker the history is lost,
   * so clients see new epochs and `recovered: false`.
   */
  restart(options?: { downtimeMs?: number }): Promise<void>
  /** Closes every connection (4100) and stops listening. Idempotent. */
  close(): Promise<void>
}

const CORS_HEADERS = {
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, lifeline-session',
  'access-control-max-age': '600',
}

/**
 * Starts the reference server: WebSocket on `/ws`, SSE on `/sse`, upstream on `/sse/send`, publish
 * API, health and metrics.
 *
 * @example
 * const server = await createServer({ port: 0, jwtSecret: 'test' })
 * const client = new RealtimeClient({ url: server.url, WebSocket, EventSource, getToken })
 * await server.connected()
 * await server.publish('leaderboard', 'score', { user: 'ada', points: 3 })
 * await server.close()
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md
 */
export async function createServer(options: ServerOptions = {}): Promise<MockServer> {
  const { port = 0, host = '127.0.0.1', fallback, ...engineOptions } = options
  let engine = new ProtocolEngine(engineOptions)
  const faults: Faults = { ...NO_FAULTS }
  const sockets = new Set<Socket>()
  const openStreams = new Set<ServerResponse>()
  let http: Server
  let state: 'running' | 'stopped' | 'closed' = 'stopped'
  let boundPort = port

  const { controls, sessionChanged } = sessionControls(() => engine)
  const watchEngine = () => engine.onSession(sessionChanged)

  // Frames up to 4× the limit are read and answered with FRAME_TOO_LARGE; larger ones close with 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * (engineOptions.maxFrameBytes ?? 65_536) })

  const send = (response: ServerResponse, answer: HttpAnswer, origin?: string) => {
    response.writeHead(answer.status, { 'content-type': 'application/json', ...corsFor(origin) })
    response.end(JSON.stringify(answer.body))
  }
  const corsFor = (origin: string | undefined): Record<string, string> =>
    origin && engine.originAllowed(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin', ...CORS_HEADERS } : {}
  const refuse = (error: ErrorBody, status: number): HttpAnswer => ({ status, body: { error } })

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const origin = request.headers.origin
    const authorization = request.headers.authorization
    if (request.method === 'OPTIONS') {
      response.writeHead(engine.originAllowed(origin) ? 204 : 403, corsFor(origin))
      response.end()
      return
    }
    if (!engine.originAllowed(origin)) {
      send(response, refuse({ code: 'ORIGIN_NOT_ALLOWED', message: `Origin ${origin} is not allowed` }, 403))
      return
    }
    const body = () => readBody(request, 2 * (engineOptions.maxFrameBytes ?? 65_536))
    const tooLarge = refuse({ code: 'FRAME_TOO_LARGE', message: 'Body too large' }, 413)
    const key = `${request.method} ${url.pathname}`
    switch (key) {
      case 'GET /healthz':
        return send(response, engine.health(), origin)
      case 'GET /metrics':
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        response.end(engine.metricsText())
        return
      case 'POST /sse/ticket': {
        const text = await body()
        return send(response, text === undefined ? tooLarge : await engine.issueTicket(authorization, text), origin)
      }
      case 'POST /sse/send': {
        const text = await body()
        const session = request.headers['lifeline-session']
        return send(response, text === undefined ? tooLarge : await engine.upstream(authorization, typeof session === 'string' ? session : undefined, text), origin)
      }
      case 'POST /publish': {
        const text = await body()
        return send(response, text === undefined ? tooLarge : await engine.publishApi(authorization, text), origin)
      }
      case 'GET /sse':
        return openStream(url.searchParams.get('ticket'), request, response, origin)
      default:
        if (fallback) return fallback(request, response)
        send(response, refuse({ code: 'BAD_REQUEST', message: `No route for ${key}` }, 404))
    }
  }

  async function openStream(ticket: string | null, request: IncomingMessage, response: ServerResponse, origin?: string): Promise<void> {
    if (faults.dropSse) return send(response, refuse({ code: 'INTERNAL', message: 'SSE unavailable (fault injection)' }, 503), origin)
    const grant = await engine.redeemTicket(ticket)
    if ('status' in grant) return send(response, grant, origin)
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx: do not buffer this response.
      'x-accel-buffering': 'no',
      ...corsFor(origin),
    })
    response.write(`retry: ${SSE_NO_RETRY_MS}\n\n`)
    openStreams.add(response)
    const session = engine.openEventStream(grant, sseLink(response, () => faults.sseDelayMs))
    const closed = () => {
      openStreams.delete(response)
      session.closed()
    }
    request.on('close', closed)
    response.on('error', closed)
  }

  function upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname
    const deny = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (pathname !== '/ws') return deny(404, 'Not Found')
    if (!engine.originAllowed(request.headers.origin)) return deny(403, 'Forbidden')
    if (faults.refuseWebSocket) return deny(503, 'Service Unavailable')
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (faults.silenceWebSocket) {
        // Accepted, then nothing: frames in are ignored, none go out. `ws` still emits `error` for
        // bad frames (oversized, invalid UTF-8), and an `error` without a listener crashes the process.
        ws.on('error', () => ws.terminate())
        return
      }
      const session = engine.acceptWebSocket(webSocketLink(ws, socket))
      ws.on('message', (data, isBinary) => session.receive(isBinary ? BINARY_FRAME : data.toString()))
      ws.on('close', () => session.closed())
      ws.on('error', () => session.closed())
    })
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    route(request, response).catch((error: unknown) => {
      console.error('[lifeline] request failed', error)
      if (!response.headersSent) send(response, refuse({ code: 'INTERNAL', message: 'Internal error' }, 500))
      else response.destroy()
    })
  }

  let unwatch = watchEngine()

  async function start(): Promise<void> {
    http = createHttpServer(handle)
    http.on('upgrade', upgrade)
    http.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    http.on('clientError', (_error, socket) => socket.destroy())
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(boundPort, host, () => {
        http.off('error', reject)
        resolve()
      })
    })
    boundPort = (http.address() as AddressInfo).port
    state = 'running'
  }

  async function stop(): Promise<void> {
    if (state !== 'running') return
    state = 'stopped'
    await engine.close()
    for (const response of openStreams) response.end()
    const closing = new Promise<void>((resolve) => http.close(() => resolve()))
    // Give close frames a moment to leave, then cut whatever is left so `close()` never hangs. Only
    // this listener's sockets: after `restart()` new connections arrive within those 50 ms.
    const leftovers = [...sockets]
    setTimeout(() => {
      for (const socket of leftovers) socket.destroy()
    }, 50).unref()
    await closing
  }

  await start()

  const server: MockServer = {
    get url() {
      return `http://${host}:${boundPort}`
    },
    get port() {
      return boundPort
    },
    get engine() {
      return engine
    },
    get clients() {
      return controls.clients
    },
    faults,
    connected: controls.connected,
    publish: controls.publish,
    disconnectAll: controls.disconnectAll,
    expireTokens: controls.expireTokens,
    async restart({ downtimeMs = 0 } = {}) {
      await stop()
      if (downtimeMs > 0) await new Promise((resolve) => setTimeout(resolve, downtimeMs))
      // `close()` during the downtime wins: a closed server must not come back.
      if (state === 'closed') return
      unwatch()
      engine = new ProtocolEngine(engineOptions)
      unwatch = watchEngine()
      await start()
    },
    async close() {
      if (state === 'closed') return
      await stop()
      state = 'closed'
      unwatch()
      wss.close()
    },
  }
  return server
}
