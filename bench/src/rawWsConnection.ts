import WebSocket from 'ws'
import type { BenchConnection, ConnectionOptions } from './benchConnection'

/** A bare `ws` client for the raw broadcast loops: every text frame is `{event, data}`. */
export function connectRawWs({ url, onTick }: ConnectionOptions): Promise<BenchConnection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`)
    socket.on('open', () => resolve({ close: () => socket.terminate() }))
    socket.on('message', (data) => onTick(JSON.parse(data.toString()).data))
    socket.on('error', reject)
    socket.on('close', (code) => reject(new Error(`closed ${code}`)))
  })
}
