import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { BENCH_EVENT, type BenchServer } from './benchServer'

/**
 * socket.io 4 with WebSocket only (no long-polling upgrade dance), optionally on the Redis adapter.
 * `io.emit` encodes once and writes to every socket, like the raw loop.
 */
export async function startSocketIoServer(redisUrl?: string): Promise<BenchServer> {
  const http = createServer()
  const io = new Server(http, { transports: ['websocket'], serveClient: false })
  const redis = redisUrl ? [new Redis(redisUrl), new Redis(redisUrl)] : []
  if (redis.length === 2) io.adapter(createAdapter(redis[0], redis[1]))
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
