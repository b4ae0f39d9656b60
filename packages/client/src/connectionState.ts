import type { TransportName } from '@lifeline/protocol'
import { isDiagnosis, type Diagnosis, type RealtimeError } from './errors'

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
  /**
   * What the client found out about the network: why it is not on the first of its `transports`
   * (`UPGRADE_REFUSED`, `WEBSOCKET_SILENT`, `WEBSOCKET_UNSTABLE`, `SSE_BUFFERED`), or, while
   * reconnecting, that no transport reached the server (`SERVER_UNREACHABLE`) or that the last one
   * to fail was an SSE stream held back (`SSE_BUFFERED`). `undefined` on the first transport.
   */
  readonly diagnosis: Diagnosis | undefined
  /**
   * With tab sharing: `leader` when this tab holds the connection, `follower` when it goes through
   * the tab that does. Absent without sharing, and until the tab found its leader.
   */
  readonly role?: 'leader' | 'follower' | undefined
}

export type ConnectionAction =
  | { type: 'connect' }
  | { type: 'connected'; transport: TransportName; diagnosis: Diagnosis | undefined }
  | { type: 'diagnosis'; diagnosis: Diagnosis }
  | { type: 'retry'; error: RealtimeError | undefined; retryAt: number | undefined }
  | { type: 'stable' }
  | { type: 'offline' }
  | { type: 'stop'; error: RealtimeError | undefined }

export const IDLE: ConnectionSnapshot = { status: 'idle', transport: undefined, attempt: 0, retryAt: undefined, error: undefined, diagnosis: undefined }

/** The only place the connection state changes. Pure: same input, same output. */
export function reduceConnection(state: ConnectionSnapshot, action: ConnectionAction): ConnectionSnapshot {
  switch (action.type) {
    case 'connect':
      return { ...IDLE, status: 'connecting' }
    case 'connected':
      return { ...state, status: 'connected', transport: action.transport, retryAt: undefined, error: undefined, diagnosis: action.diagnosis }
    case 'diagnosis':
      return state.diagnosis === action.diagnosis ? state : { ...state, diagnosis: action.diagnosis }
    case 'retry': {
      const error = action.error ?? state.error
      const diagnosis = error && isDiagnosis(error.code) ? error.code : state.diagnosis
      // Only a failure counts: a trip through the back/forward cache, or a try at once when the
      // page or the network comes back, carries no error.
      return { ...state, status: 'reconnecting', transport: undefined, attempt: state.attempt + +!!action.error, retryAt: action.retryAt, error, diagnosis }
    }
    case 'stable':
      return state.attempt === 0 ? state : { ...state, attempt: 0 }
    case 'offline':
      return { ...state, status: 'offline', transport: undefined, retryAt: undefined }
    case 'stop':
      return { ...state, status: 'disconnected', transport: undefined, retryAt: undefined, error: action.error }
  }
}
