import WebSocket from 'ws'
import { BENCH_CHANNEL } from './benchServer'
import type { BenchConnection, ConnectionOptions } from './benchConnection'

/**
 * A minimal Lifeline protocol client over `ws` (connect, subscribe, answer pings): the fan-out
 * benchmark measures the server, so thousands of these share one core cheaply.
 */
export function connectLifelineWs({ url, token, onTick }: ConnectionOptions): Promise<BenchConnection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`)
    const connection = { close: () => socket.terminate() }
    socket.on('open', () => socket.send(JSON.stringify({ id: 1, type: 'connect', v: 1, token })))
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.type === 'message') onTick(frame.data)
      else if (frame.type === 'ping') socket.send('{"type":"pong"}')
      else if (frame.type === 'reply' && !frame.ok) reject(new Error(`${frame.error.code}: ${frame.error.message}`))
      else if (frame.type === 'reply' && frame.id === 1) socket.send(JSON.stringify({ id: 2, type: 'subscribe', channel: BENCH_CHANNEL }))
      else if (frame.type === 'reply' && frame.id === 2) resolve(connection)
    })
    socket.on('error', reject)
    socket.on('close', (code) => reject(new Error(`closed ${code}`)))
  })
}
