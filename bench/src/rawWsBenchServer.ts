import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { BENCH_EVENT, type BenchServer } from './benchServer'

/**
 * The practical limit: a bare `ws` server that serializes each message once and writes it to
 * every socket. No protocol, no auth, no history, no per-connection state.
 */
export async function startRawWsServer(): Promise<BenchServer> {
  const http = createServer((_request, response) => response.writeHead(404).end())
  const wss = new WebSocketServer({ server: http, path: '/ws' })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    publish(tick) {
      const text = JSON.stringify({ event: BENCH_EVENT, data: tick })
      for (const socket of wss.clients) if (socket.readyState === WebSocket.OPEN) socket.send(text)
    },
    async close() {
      for (const socket of wss.clients) socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
