import { CloseCode } from '@lifeline/client/protocol'
import type { WebSocket } from 'ws'
import type { Link } from './engine/index'

/**
 * Adapts a `ws` socket to the engine. Liveness rides on the engine's heartbeat: a socket that did
 * not answer the previous WebSocket ping is terminated (ws README, "detect broken connections").
 */
export function webSocketLink(socket: WebSocket): Link {
  let alive = true
  socket.on('pong', () => {
    alive = true
  })
  return {
    transport: 'websocket',
    send: (text) => socket.send(text),
    bufferedBytes: () => socket.bufferedAmount,
    close(code, reason) {
      // A slow consumer's close handshake would queue behind the very backlog that got it cut.
      if (code === CloseCode.SLOW_CONSUMER) socket.terminate()
      else socket.close(code, closeReason(reason))
    },
    keepalive() {
      if (!alive) {
        socket.terminate()
        return
      }
      alive = false
      socket.ping()
    },
  }
}

/** A close frame carries at most 123 bytes of reason (`ws` throws beyond); the `disconnect` frame has it whole. */
function closeReason(reason: string): string {
  const bytes = Buffer.from(reason)
  if (bytes.length <= 123) return reason
  // Cut on a character boundary: drop a partial UTF-8 sequence at the end.
  return bytes.subarray(0, 123).toString('utf8').replace(/\uFFFD$/, '')
}
