import { createServer, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocketServer } from 'ws'

/** What a browser's own EventSource sent on one stream: one entry per request, in order. */
export interface StreamRequests {
  lastEventIds: (string | null)[]
}

export interface PrimitivesServer {
  readonly url: string
  /** The requests each `/sse/ends?stream=<name>` stream got, by name. */
  readonly streams: Map<string, StreamRequests>
  /** Frames the silent WebSockets received (and never answered). */
  readonly silentReceived: string[]
  close(): Promise<void>
}

/**
 * The network situations the client handles, bare, for a browser's own WebSocket and EventSource:
 * what each engine reports for them is what the client has to read.
 *
 * - `/ws/refused`: the upgrade answered 403 (a proxy or server refusing it).
 * - `/ws/close-4001`: accepted, then closed by the server with code 4001 and reason `try later`
 *   once the page sent something.
 * - `/ws/drop`: accepted, then the TCP connection cut without a close frame once the page sent
 *   something (so the page has seen `open`).
 * - `/ws/silent`: accepted, then nothing (frames from the page are recorded, never answered).
 * - `/sse/refused`: the stream request answered 401.
 * - `/sse/ends?stream=<name>`: one event (`id: 7`, `retry: 100`), then the response ends; the
 *   browser's reconnect is answered 204, which tells EventSource to stop.
 */
export async function startPrimitivesServer(): Promise<PrimitivesServer> {
  const streams = new Map<string, StreamRequests>()
  const silentReceived: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>primitives</title>')
    if (url.pathname === '/sse/refused') return void response.writeHead(401, { 'content-type': 'text/plain' }).end('no')
    if (url.pathname === '/sse/ends') {
      const name = url.searchParams.get('stream') ?? ''
      const seen = streams.get(name) ?? { lastEventIds: [] }
      streams.set(name, seen)
      seen.lastEventIds.push(header(request, 'last-event-id'))
      if (seen.lastEventIds.length > 1) return void response.writeHead(204).end()
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      return void response.end('retry: 100\nid: 7\ndata: one\n\n')
    }
    response.writeHead(404).end()
  })
  const webSockets = new WebSocketServer({ noServer: true })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('upgrade', (request, socket: Socket, head) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path === '/ws/refused') return void socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    webSockets.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => ws.terminate())
      // Both wait for the page's first frame: the page has seen `open` before the server acts, and
      // no frame of the page crosses the server's close.
      if (path === '/ws/close-4001') ws.once('message', () => ws.close(4001, 'try later'))
      else if (path === '/ws/drop') ws.once('message', () => socket.destroy())
      else if (path === '/ws/silent') ws.on('message', (data) => silentReceived.push(String(data)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    streams,
    silentReceived,
    async close() {
      for (const socket of sockets) socket.destroy()
      webSockets.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name]
  return typeof value === 'string' ? value : null
}
