import { CloseCode, type ServerFrame } from '@lifeline/client/protocol'
import type { WebSocket } from 'ws'
import type { Link } from './engine/index'

/**
 * The UTF-8 bytes of the `message` frame being fanned out: every subscriber's link gets the same
 * frame object (see `Link#send`), so it is encoded once, not by `ws` once per socket.
 */
const encoded = new WeakMap<ServerFrame, Buffer>()

/** A Buffer given to `ws` goes out as binary unless told otherwise; the protocol is text frames. */
const TEXT = { binary: false }

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
    send(text, frame) {
      if (frame.type !== 'message') return socket.send(text)
      let bytes = encoded.get(frame)
      if (!bytes) {
        bytes = Buffer.from(text)
        encoded.set(frame, bytes)
      }
      socket.send(bytes, TEXT)
    },
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
