import type { RealtimeError } from './errors'
import type { TransportName } from './transports/transport'

/**
 * - `idle`: not started (`connect()` not called yet; also the server-rendering snapshot).
 * - `connecting`: first attempt after `connect()`.
 * - `connected`: the server answered the handshake; messages flow.
 * - `reconnecting`: the connection was lost or an attempt failed; the next try is at `retryAt`.
 * - `offline`: the browser reports no network; retries wait for `online`.
 * - `disconnected`: stopped by `disconnect()` or a terminal error (`error` says which).
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'disconnected'

/** An immutable view of the connection: a new object only when something in it changed. */
export interface ConnectionSnapshot {
  readonly status: ConnectionStatus
  readonly transport: TransportName | undefined
  /** Failed attempts since the connection was last stable. */
  readonly attempt: number
  /** When the next attempt is due (epoch ms), while `reconnecting`. */
  readonly retryAt: number | undefined
  readonly error: RealtimeError | undefined
}

export type ConnectionAction =
  | { type: 'connect' }
  | { type: 'connected'; transport: TransportName }
  | { type: 'retry'; error: RealtimeError | undefined; retryAt: number | undefined }
  | { type: 'stable' }
  | { type: 'offline' }
  | { type: 'stop'; error: RealtimeError | undefined }

export const IDLE: ConnectionSnapshot = { status: 'idle', transport: undefined, attempt: 0, retryAt: undefined, error: undefined }

/** The only place the connection status changes. Pure: same input, same output. */
export function reduceConnection(state: ConnectionSnapshot, action: ConnectionAction): ConnectionSnapshot {
  switch (action.type) {
    case 'connect':
      return { ...IDLE, status: 'connecting' }
    case 'connected':
      return { ...state, status: 'connected', transport: action.transport, retryAt: undefined, error: undefined }
    case 'retry':
      return { ...state, status: 'reconnecting', transport: undefined, attempt: state.attempt + 1, retryAt: action.retryAt, error: action.error ?? state.error }
    case 'stable':
      return state.attempt === 0 ? state : { ...state, attempt: 0 }
    case 'offline':
      return { ...state, status: 'offline', transport: undefined, retryAt: undefined }
    case 'stop':
      return { ...state, status: 'disconnected', transport: undefined, retryAt: undefined, error: action.error }
  }
}
