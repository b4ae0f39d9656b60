import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { CloseCode, type ErrorBody } from '@lifeline/client/protocol'
import { WebSocketServer } from 'ws'
import { ProtocolEngine, type EngineOptions, type HttpAnswer, type PublishOutcome, type Session } from './engine/index'
import { NO_FAULTS, type Faults } from './faults'
import { readBody } from './readBody'
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

/** A connected client as the test helpers show it. */
export interface ClientInfo {
  id: string
  transport: 'websocket' | 'sse'
  /** The token's `sub`. */
  user: string
  channels: string[]
  /** Closes this client with `code` (default 4101, reconnect now). */
  disconnect(code?: number, reason?: string): void
}

export interface DisconnectOptions {
  /** @default 4101 (reconnect now) */
  code?: number
  reason?: string
  retryAfterMs?: number
}

/** A running mock server, with test helpers and fault injection. */
export interface MockServer {
  /** `http://host:port`: what `RealtimeClient` takes as `url`. */
  readonly url: string
  readonly port: number
  /** The protocol engine behind this server (replaced by `restart()`). */
  readonly engine: ProtocolEngine
  /** Connected clients, newest last. */
  readonly clients: ClientInfo[]
  /** Fault injection switches; change them at any time. */
  readonly faults: Faults
  /** Resolves once at least `count` clients have completed the handshake. */
  connected(options?: { count?: number }): Promise<ClientInfo[]>
  /** Publishes as the server. */
  publish(channel: string, event: string, data: unknown, key?: string): Promise<PublishOutcome>
  disconnectAll(options?: DisconnectOptions): void
  /** Fault injection: every live connection's token expires now (4200). */
  expireTokens(): void
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
 * @see ../../../docs/mock-server.md
 */
export async function createServer(options: ServerOptions = {}): Promise<MockServer> {
  const { port = 0, host = '127.0.0.1', fallback, ...engineOptions } = options
  let engine = new ProtocolEngine(engineOptions)
  const faults: Faults = { ...NO_FAULTS }
  const sockets = new Set<Socket>()
  const openStreams = new Set<ServerResponse>()
  const waiters = new Set<() => void>()
  let http: Server
  let state: 'running' | 'stopped' | 'closed' = 'stopped'
  let boundPort = port

  const watchEngine = () =>
    engine.onSession(() => {
      for (const wake of [...waiters]) wake()
    })

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
    // EventSource must not reconnect on its own with a spent ticket.
    response.write('retry: 86400000\n\n')
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
      const session = engine.acceptWebSocket(webSocketLink(ws))
      ws.on('message', (data, isBinary) => session.receive(isBinary ? '\u0000binary' : data.toString()))
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

  const info = (session: Session): ClientInfo => ({
    id: session.id,
    transport: session.transport,
    user: session.claims?.sub ?? '',
    channels: [...session.subscriptions.keys()],
    disconnect: (code = CloseCode.RECONNECT, reason = 'disconnected by server') => session.disconnect(closeCode(code), reason),
  })
  const openSessions = () => [...engine.sessions].filter((session) => session.status === 'open')

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
      return openSessions().map(info)
    },
    faults,
    connected({ count = 1 } = {}) {
      return new Promise((resolve) => {
        const check = () => {
          const open = openSessions()
          if (open.length < count) return
          waiters.delete(check)
          resolve(open.map(info))
        }
        waiters.add(check)
        check()
      })
    },
    publish: (channel, event, data, key) => engine.publish({ channel, event, data, ...(key === undefined ? {} : { key }) }),
    disconnectAll: ({ code, reason, retryAfterMs } = {}) => engine.disconnectAll(code === undefined ? code : closeCode(code), reason, retryAfterMs),
    expireTokens() {
      for (const session of openSessions()) session.expireToken()
    },
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

/**
 * Checks a close code from a test before any socket sees it: WebSocket refuses codes outside 1000
 * and 3000–4999 (1006 and friends are for the transport only), and a throw halfway through
 * `disconnectAll()` would leave some clients connected.
 */
function closeCode(code: number): number {
  if (code === CloseCode.NORMAL || (Number.isInteger(code) && code >= 3000 && code <= 4999)) return code
  throw new TypeError(`Close code ${code} cannot be sent; use 1000 or 3000–4999 (protocol codes are 4000–4399, see docs/protocol.md#close-codes)`)
}
