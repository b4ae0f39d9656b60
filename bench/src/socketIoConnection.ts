import { io } from 'socket.io-client'
import { BENCH_EVENT } from './benchServer'
import type { BenchConnection, ConnectionOptions } from './benchConnection'

/** socket.io-client over WebSocket only, one manager per connection, no reconnection. */
export function connectSocketIo({ url, onTick }: ConnectionOptions): Promise<BenchConnection> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false })
    socket.on(BENCH_EVENT, onTick)
    socket.once('connect', () => resolve({ close: () => socket.disconnect() }))
    socket.once('connect_error', reject)
  })
}
