import { CloseCode, type TransportName } from '@lifeline/protocol'
import type { ProtocolEngine, PublishOutcome, Session } from './engine/index'

/** A connected client as the test helpers show it. */
export interface ClientInfo {
  id: string
  transport: TransportName
  /** The token's `sub`. */
  user: string
  channels: string[]
  /** Closes this client with `code` (default 4101, reconnect now). */
  disconnect(code?: number, reason?: string): void
}

export interface DisconnectOptions {
  /** @default 4101 (reconnect now) */
  code?: number
  reason?: string
  retryAfterMs?: number
}

/** The test helpers of a mock server, whatever host (Node server, MSW handlers) drives the engine. */
export interface SessionControls {
  /** Connected clients (handshake done), newest last. */
  readonly clients: ClientInfo[]
  /** Resolves once at least `count` clients have completed the handshake. */
  connected(options?: { count?: number }): Promise<ClientInfo[]>
  /** Publishes as the server (no channel rules). */
  publish(channel: string, event: string, data: unknown, key?: string): Promise<PublishOutcome>
  /** Closes every client with `code` (default 4101, reconnect now). */
  disconnectAll(options?: DisconnectOptions): void
  /** Fault injection: every live connection's token expires now (4200). */
  expireTokens(): void
  /**
   * Fault injection: every live WebSocket goes silent now, mid-session. It stays open and passes
   * nothing either way (no frames, no pings) until the client gives up on it. Answers how many.
   */
  silenceWebSocketNow(): number
}

/**
 * The helpers over the host's current engine (a getter, because `restart()` replaces it). The host
 * calls `sessionChanged` from `engine.onSession` so that `connected()` wakes up.
 */
export function sessionControls(
  currentEngine: () => ProtocolEngine,
  silenceWebSockets: () => number,
): { controls: SessionControls; sessionChanged: () => void } {
  const waiters = new Set<() => void>()
  const openSessions = () => [...currentEngine().sessions].filter((session) => session.status === 'open')
  const controls: SessionControls = {
    get clients() {
      return openSessions().map(clientInfo)
    },
    connected({ count = 1 } = {}) {
      return new Promise((resolve) => {
        const check = () => {
          const open = openSessions()
          if (open.length < count) return
          waiters.delete(check)
          resolve(open.map(clientInfo))
        }
        waiters.add(check)
        check()
      })
    },
    publish: (channel, event, data, key) => currentEngine().publish({ channel, event, data, ...(key === undefined ? {} : { key }) }),
    disconnectAll: ({ code, reason, retryAfterMs } = {}) =>
      currentEngine().disconnectAll(code === undefined ? code : closeCode(code), reason, retryAfterMs),
    expireTokens() {
      for (const session of openSessions()) session.expireToken()
    },
    silenceWebSocketNow: silenceWebSockets,
  }
  return {
    controls,
    sessionChanged() {
      for (const wake of [...waiters]) wake()
    },
  }
}

function clientInfo(session: Session): ClientInfo {
  return {
    id: session.id,
    transport: session.transport,
    user: session.claims?.sub ?? '',
    channels: [...session.subscriptions.keys()],
    disconnect: (code = CloseCode.RECONNECT, reason = 'disconnected by server') => session.disconnect(closeCode(code), reason),
  }
}

/**
 * Checks a close code from a test before any socket sees it: WebSocket refuses codes outside 1000
 * and 3000–4999 (1006 and friends are for the transport only), and a throw halfway through
 * `disconnectAll()` would leave some clients connected.
 */
function closeCode(code: number): number {
  if (code === CloseCode.NORMAL || (Number.isInteger(code) && code >= 3000 && code <= 4999)) return code
  throw new TypeError(`Close code ${code} cannot be sent; use 1000 or 3000–4999 (protocol codes are 4000–4399, see docs/protocol.md#close-codes)`)
}
