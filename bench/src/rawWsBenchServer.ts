import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { BENCH_EVENT, type BenchServer } from './benchServer'

/** `ws` keeps the network socket it writes to in a private field; the batched loop corks it. */
type BatchedSocket = WebSocket & { _socket: Socket; benchTurn?: number; benchCorkedTurn?: number }
/**
 * The practical limit: a bare `ws` server that serializes each message once and calls
 * `socket.send` on every open socket. No protocol, no auth, no history, no per-connection state.
 *
 * `batchPerTurn` gives it the batching Lifeline's WebSocket link does: within one event-loop turn
 * the first message to a socket is written at once, later ones wait corked and leave together when
 * the turn ends (`process.nextTick`), one system call instead of one each. A socket that gets one
 * message per turn (the fixed-rate phases) is never corked, exactly as in Lifeline.
 */
export async function startRawWsServer({ batchPerTurn }: { batchPerTurn: boolean }): Promise<BenchServer> {
  const http = createServer((_request, response) => response.writeHead(404).end())
  const wss = new WebSocketServer({ server: http, path: '/ws' })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  // Per socket, the turn it last got a message in and the turn it was corked in (numbers on the
  // object, as Lifeline keeps flags in its link: no lookups per send).
  let turn = 0
  let turnOpen = false
  let corked: BatchedSocket[] = []
  const endTurn = () => {
    turn += 1
    turnOpen = false
    const pending = corked
    corked = []
    for (const socket of pending) socket._socket.uncork()
  }
  const sendBatched = (socket: BatchedSocket, text: string) => {
    if (!turnOpen) {
      turnOpen = true
      process.nextTick(endTurn)
    }
    if (socket.benchTurn !== turn) socket.benchTurn = turn
    else if (socket.benchCorkedTurn !== turn) {
      socket.benchCorkedTurn = turn
      socket._socket.cork()
      corked.push(socket)
    }
    socket.send(text)
  }
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    publish(tick) {
      const text = JSON.stringify({ event: BENCH_EVENT, data: tick })
      for (const socket of wss.clients) {
        if (socket.readyState !== WebSocket.OPEN) continue
        if (batchPerTurn) sendBatched(socket as BatchedSocket, text)
        else socket.send(text)
      }
    },
    async close() {
      for (const socket of wss.clients) socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
