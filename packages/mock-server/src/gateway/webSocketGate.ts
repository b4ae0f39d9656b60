import { ROUTES } from '@lifeline/protocol'
import type { Link, ProtocolEngine } from '../engine/index'
import type { Faults } from '../faults'
import { orderedDelay } from './orderedDelay'

/** What the host does with a WebSocket upgrade: refuse it with an HTTP status, or complete it. */
export type UpgradeVerdict = { accept: false; status: 403 | 404 | 503 } | { accept: true; silent: boolean }

/** A live WebSocket as the host drives it: frames in, and the end of the socket. */
export interface WebSocketSession {
  receive(text: string): void
  closed(): void
}

/**
 * The WebSocket side of the gateway: which upgrades to accept (path, origin, fault switches), and
 * the live sockets, so `silenceWebSocketNow()` can silence them mid-session.
 */
export function webSocketGate(faults: Faults) {
  const live = new Set<() => void>()
  return {
    verdict(engine: ProtocolEngine, path: string, origin: string | undefined): UpgradeVerdict {
      if (path !== ROUTES.webSocket.path) return { accept: false, status: 404 }
      if (!engine.originAllowed(origin)) return { accept: false, status: 403 }
      if (faults.refuseWebSocket) return { accept: false, status: 503 }
      return { accept: true, silent: faults.silenceWebSocket }
    },

    /**
     * A completed upgrade: a session on `link`, whose frames out wait `webSocketDelayMs` (in
     * order), and which a later `silenceNow()` turns into a socket that stays open and passes
     * nothing either way (no frames, no transport pings), while the session lives on until the
     * client gives up and closes it.
     */
    open(engine: ProtocolEngine, link: Link, peer: string | undefined): WebSocketSession {
      let silent = false
      const silence = () => {
        silent = true
      }
      // A close waits behind the frames before it, so a delayed `disconnect` still arrives first.
      const { later } = orderedDelay(() => faults.webSocketDelayMs)
      const session = engine.acceptWebSocket(
        {
          transport: 'websocket',
          send: (text, frame) => silent || later(() => silent || link.send(text, frame)),
          bufferedBytes: () => link.bufferedBytes(),
          close(code, reason) {
            live.delete(silence)
            later(() => link.close(code, reason))
          },
          keepalive: () => silent || link.keepalive?.(),
        },
        peer,
      )
      live.add(silence)
      return {
        receive: (text) => silent || session.receive(text),
        closed() {
          live.delete(silence)
          session.closed()
        },
      }
    },

    /** Silences every live WebSocket; answers how many. */
    silenceNow(): number {
      const count = live.size
      for (const silence of live) silence()
      live.clear()
      return count
    },
  }
}

export type WebSocketGate = ReturnType<typeof webSocketGate>
