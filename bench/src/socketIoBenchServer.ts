import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { BENCH_API_KEY, BENCH_EVENT, type BenchServer } from './benchServer'

/**
 * socket.io 4 with WebSocket only (no long-polling upgrade dance), optionally on the Redis adapter.
 * `io.emit` encodes once and writes to every socket, like the raw loop. socket.io has no HTTP
 * publish API of its own; `POST /publish` (body: the payload) is the few lines an app would add so
 * that a backend can publish, the same door Lifeline's publish API is in the cross-replica run.
 */
export async function startSocketIoServer(redisUrl?: string): Promise<BenchServer> {
  const http = createServer()
  const io = new Server(http, { transports: ['websocket'], serveClient: false })
  const redis = redisUrl ? [new Redis(redisUrl), new Redis(redisUrl)] : []
  if (redis.length === 2) io.adapter(createAdapter(redis[0], redis[1]))
  http.on('request', (request, response) => {
    if (request.url !== '/publish' || request.method !== 'POST') return
    if (request.headers.authorization !== `Bearer ${BENCH_API_KEY}`) return void response.writeHead(401).end()
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      io.emit(BENCH_EVENT, (JSON.parse(body) as { data: unknown }).data)
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    publish(tick) {
      io.emit(BENCH_EVENT, tick)
    },
    async close() {
      io.disconnectSockets(true)
      await new Promise<void>((resolve) => io.close(() => resolve()))
      for (const client of redis) client.disconnect()
    },
  }
}
