import WebSocket from 'ws'
import { BENCH_EVENT } from './benchServer'
import type { BenchConnection, ConnectionOptions } from './benchConnection'

/**
 * A minimal socket.io 4 client over `ws`, like the other contenders' load clients: the Engine.IO
 * v4 WebSocket handshake (`0{…}` open packet), a connect to the default namespace (`40`), events
 * as `42["tick",{…}]`, and a pong (`3`) for each ping (`2`). What the full socket.io-client adds
 * on top (its own parser, managers, timers) would load the one client core unevenly.
 */
export function connectSocketIo({ url, onTick }: ConnectionOptions): Promise<BenchConnection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`)
    const prefix = `42["${BENCH_EVENT}",`
    socket.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith(prefix)) onTick(JSON.parse(text.slice(prefix.length, -1)))
      else if (text === '2') socket.send('3')
      else if (text.startsWith('0{')) socket.send('40')
      else if (text.startsWith('40')) resolve({ close: () => socket.terminate() })
      else if (text.startsWith('44')) reject(new Error(`socket.io refused the connection: ${text.slice(2)}`))
    })
    socket.on('error', reject)
    socket.on('close', (code) => reject(new Error(`closed ${code}`)))
  })
}
