import { CloseCode } from '@lifeline/client/protocol'
import type { ClientInfo, DisconnectOptions } from '../createServer'
import type { ProtocolEngine, PublishOutcome, Session } from '../engine/index'

/** The test helpers of a mock server, over whatever host drives the engine. */
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
}

/**
 * The helpers `createServer` offers (`clients`, `connected()`, `publish()`, `disconnectAll()`,
 * `expireTokens()`), for one engine. Returns them with the function that stops watching the engine.
 */
export function sessionControls(engine: ProtocolEngine): [SessionControls, () => void] {
  const waiters = new Set<() => void>()
  const unwatch = engine.onSession(() => {
    for (const wake of [...waiters]) wake()
  })
  const openSessions = () => [...engine.sessions].filter((session) => session.status === 'open')
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
    publish: (channel, event, data, key) => engine.publish({ channel, event, data, ...(key === undefined ? {} : { key }) }),
    disconnectAll: ({ code, reason, retryAfterMs } = {}) => engine.disconnectAll(code, reason, retryAfterMs),
    expireTokens() {
      for (const session of openSessions()) session.expireToken()
    },
  }
  return [controls, unwatch]
}

function clientInfo(session: Session): ClientInfo {
  return {
    id: session.id,
    transport: session.transport,
    user: session.claims?.sub ?? '',
    channels: [...session.subscriptions.keys()],
    disconnect: (code = CloseCode.RECONNECT, reason = 'disconnected by server') => session.disconnect(code, reason),
  }
}
