import { ROUTES, type ServerFrame } from '@lifeline/protocol'
import type { Outlet, ProtocolEngine, Session } from '../engine/index'
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
  const live = new Set<GatedSocket>()
  return {
    verdict(engine: ProtocolEngine, path: string, origin: string | undefined): UpgradeVerdict {
      if (path !== ROUTES.webSocket.path) return { accept: false, status: 404 }
      if (!engine.originAllowed(origin)) return { accept: false, status: 403 }
      if (faults.refuseWebSocket) return { accept: false, status: 503 }
      return { accept: true, silent: faults.silenceWebSocket }
    },

    /**
     * A completed upgrade: a session on `outlet`, whose frames out wait `webSocketDelayMs` (in
     * order), and which a later `silenceNow()` turns into a socket that stays open and passes
     * nothing either way (no frames, no transport pings), while the session lives on until the
     * client gives up and closes it.
     */
    open(engine: ProtocolEngine, outlet: Outlet, peer: string | undefined): WebSocketSession {
      const socket = new GatedSocket(outlet, faults, live)
      // Live before the engine sees it: a connection the engine refuses at once (over the
      // per-address cap) is closed inside `acceptWebSocket`, and that close must find it here.
      live.add(socket)
      socket.session = engine.acceptWebSocket(socket, peer)
      return socket
    },

    /** Silences every live WebSocket; answers how many. */
    silenceNow(): number {
      const count = live.size
      for (const socket of live) socket.silence()
      live.clear()
      return count
    },
  }
}

/**
 * One live WebSocket between the host's outlet and its session: the outlet the engine sends on, and
 * the session the host feeds. A class, so an idle connection holds its state and not a closure per
 * method; the ordered delay exists only once `webSocketDelayMs` was set while it lived.
 */
class GatedSocket implements Outlet, WebSocketSession {
  readonly transport = 'websocket'
  session: Session | undefined
  readonly #outlet: Outlet
  readonly #faults: Faults
  readonly #live: Set<GatedSocket>
  #silent = false
  /** A close waits behind the frames before it, so a delayed `disconnect` still arrives first. */
  #delay: ReturnType<typeof orderedDelay> | undefined

  constructor(outlet: Outlet, faults: Faults, live: Set<GatedSocket>) {
    this.#outlet = outlet
    this.#faults = faults
    this.#live = live
  }

  /** Runs `run` now, or after `webSocketDelayMs` behind whatever waits already. */
  #later(run: () => void): void {
    if (!this.#delay && this.#faults.webSocketDelayMs <= 0) return run()
    this.#delay ??= orderedDelay(() => this.#faults.webSocketDelayMs)
    this.#delay.later(run)
  }

  send(text: string, frame: ServerFrame): void {
    if (this.#silent) return
    if (!this.#delay && this.#faults.webSocketDelayMs <= 0) return this.#outlet.send(text, frame)
    this.#later(() => this.#silent || this.#outlet.send(text, frame))
  }

  bufferedBytes(): number {
    return this.#outlet.bufferedBytes()
  }

  close(code: number, reason: string): void {
    this.#live.delete(this)
    this.#later(() => this.#outlet.close(code, reason))
  }

  keepalive(): void {
    if (!this.#silent) this.#outlet.keepalive?.()
  }

  receive(text: string): void {
    if (!this.#silent) this.session!.receive(text)
  }

  closed(): void {
    this.#live.delete(this)
    this.session!.closed()
  }

  silence(): void {
    this.#silent = true
  }
}

export type WebSocketGate = ReturnType<typeof webSocketGate>
