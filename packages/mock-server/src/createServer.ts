import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ProtocolEngine } from './engine/index'
import type { Faults } from './faults'
import { errorAnswer, type GatewayAnswer, type GatewayRequest } from './gateway/exchange'
import { createGateway, type GatewayOptions } from './gateway/gateway'
import { httpUrl } from './httpUrl'
import { readBody } from './readBody'
import type { SessionControls } from './sessionControls'
import { ServedWebSocket, webSocketOutlet } from './webSocketOutlet'

export interface ServerOptions extends GatewayOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `server.port`).
   * @default 0
   */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /**
   * Handles requests that are not part of the protocol (for example the demo gallery's page and
   * controls), served on the same port. Without it they get `404 NOT_FOUND`.
   */
  fallback?: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>
}

/** A running mock server, with test helpers and fault injection. */
export interface MockServer extends SessionControls {
  /** `http://host:port` (an IPv6 host in brackets, `http://[::1]:port`): what `RealtimeClient` takes as `url`. */
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

/**
 * Accepted, then nothing: frames in are ignored, none go out. `ws` still emits `error` for bad
 * frames (oversized, invalid UTF-8), and an `error` without a listener crashes the process.
 */
function silence(ws: WebSocket): void {
  ws.on('error', () => ws.terminate())
}

/** A Node request as the gateway reads it. */
function gatewayRequest(request: IncomingMessage): GatewayRequest {
  const url = new URL(request.url ?? '/', 'http://localhost')
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    peer: request.socket.remoteAddress,
    header(name) {
      const value = request.headers[name]
      return Array.isArray(value) ? value[0] : value
    },
    body: (limit) => readBody(request, limit),
    gone: () => request.socket.destroyed,
  }
}

/**
 * Starts the reference server: WebSocket on `/ws`, SSE on `/sse`, long-polling on `/poll`, upstream
 * on `/sse/send`, publish API, health and metrics. Everything the protocol answers comes from the
 * gateway the MSW handlers share; this host moves bytes between it and `node:http` / `ws`.
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
  const { port = 0, host = '127.0.0.1', fallback, ...gatewayOptions } = options
  const gateway = createGateway(gatewayOptions)
  const sockets = new Set<Socket>()
  const openStreams = new Set<ServerResponse>()
  let http: Server
  let state: 'running' | 'stopped' | 'closed' = 'stopped'
  let boundPort = port

  // Frames up to 4× the limit are read and answered with FRAME_TOO_LARGE; larger ones close with 1009.
  // Our own socket class, which handles its events without a listener per connection; no client
  // tracking, which costs a listener per connection too: the gateway knows the live sockets already.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * gateway.maxFrameBytes, WebSocket: ServedWebSocket, clientTracking: false })

  function write(request: IncomingMessage, response: ServerResponse, answer: GatewayAnswer): void {
    response.writeHead(answer.status, answer.headers)
    if ('body' in answer) {
      response.end(answer.body)
      return
    }
    // The headers leave now, even while a buffering fault holds the stream's first bytes back.
    response.flushHeaders()
    openStreams.add(response)
    const stream = answer.stream({
      write: (bytes) => response.writableEnded || response.destroyed || response.write(bytes),
      end: () => response.writableEnded || response.end(),
      abort: () => response.destroy(),
      bufferedBytes: () => response.writableLength,
    })
    const closed = () => {
      openStreams.delete(response)
      stream.closed()
    }
    request.on('close', closed)
    response.on('error', closed)
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const incoming = gatewayRequest(request)
    const answer = await gateway.handle(incoming)
    if (answer) return write(request, response, answer)
    if (fallback) return fallback(request, response)
    write(request, response, gateway.notFound(incoming))
  }

  function upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const verdict = gateway.upgrade(new URL(request.url ?? '/', 'http://localhost').pathname, request.headers.origin)
    if (!verdict.accept) {
      // Node leaves an upgrade's socket without an error listener: a client that resets it (a tab
      // closed, a probe given up) would otherwise throw out of the process.
      socket.on('error', destroySocket)
      socket.end(`HTTP/1.1 ${verdict.status} ${STATUS_CODES[verdict.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    const peer = request.socket.remoteAddress
    wss.handleUpgrade(request, socket, head, (ws) => (verdict.silent ? silence(ws) : serve(ws as ServedWebSocket, socket, peer)))
  }

  /** The session of an accepted WebSocket; the socket's listeners hold nothing of the upgrade request. */
  function serve(ws: ServedWebSocket, socket: Socket, peer: string | undefined): void {
    ws.session = gateway.openWebSocket(webSocketOutlet(ws, socket), peer)
  }

  /** One listener for every socket (`this` is the socket), not a closure per connection. */
  function untrack(this: Socket): void {
    sockets.delete(this)
  }

  function destroySocket(this: Socket): void {
    this.destroy()
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    route(request, response).catch((error: unknown) => {
      // The gateway answers its own failures; this is the fallback's.
      console.error('[lifeline] request failed', error)
      if (!response.headersSent) write(request, response, errorAnswer('INTERNAL', 'Internal error'))
      else response.destroy()
    })
  }

  async function start(): Promise<void> {
    http = createHttpServer(handle)
    http.on('upgrade', upgrade)
    http.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', untrack)
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
    await gateway.close()
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

  const { controls } = gateway
  const server: MockServer = {
    get url() {
      return httpUrl(host, boundPort)
    },
    get port() {
      return boundPort
    },
    get engine() {
      return gateway.engine
    },
    get clients() {
      return controls.clients
    },
    faults: gateway.faults,
    connected: controls.connected,
    publish: controls.publish,
    disconnectAll: controls.disconnectAll,
    expireTokens: controls.expireTokens,
    silenceWebSocketNow: controls.silenceWebSocketNow,
    async restart({ downtimeMs = 0 } = {}) {
      await stop()
      if (downtimeMs > 0) await new Promise((resolve) => setTimeout(resolve, downtimeMs))
      // `close()` during the downtime wins: a closed server must not come back.
      if (state === 'closed') return
      gateway.renew()
      await start()
    },
    async close() {
      if (state === 'closed') return
      await stop()
      state = 'closed'
      wss.close()
    },
  }
  return server
}
