import { closeInfo, ERRORS, type ErrorCode } from '@lifeline/protocol'
import { RealtimeError } from './errors'

/**
 * What the client does after a failure:
 * - `backoff`: try again after the jittered backoff (never sooner than the server's `retryAfterMs`);
 * - `reconnect-now`: try again at once, at a random point within `retryAfterMs` (a server restart);
 * - `refresh`: ask `getToken` for a new token (`reason: 'rejected'`), then try again;
 * - `stop`: give up with `error`, trying again would fail the same way.
 */
export type Recovery = { action: 'backoff' | 'reconnect-now' | 'refresh' | 'stop'; error: RealtimeError }

/**
 * The one decision after any failure, read from the protocol's codes table: a close code says what
 * to do by its range; without one (a refused handshake or command) the error code does. A token
 * refusal is terminal when the token can no longer be renewed: it was itself fetched after a
 * refusal, or there is no `getToken` to ask (asking again would only hammer the token service).
 * Pure: the caller acts on the answer.
 */
export function recoveryFor(error: RealtimeError, closeCode: number | undefined, tokenRenewable: boolean): Recovery {
  const close = closeCode === undefined ? undefined : closeInfo(closeCode)
  const action = close ? close.action : (ERRORS[error.code as ErrorCode]?.action ?? 'backoff')
  if (action === 'stop') return { action, error: close?.error ? new RealtimeError(close.error, error.message) : error }
  if (action === 'refresh') return tokenRenewable ? { action, error } : { action: 'stop', error: new RealtimeError('UNAUTHORIZED', undefined, { cause: error }) }
  // `none` (a normal close the client did not ask for) and `report` (a bug in a command) back off too.
  return { action: action === 'reconnect-now' ? action : 'backoff', error }
}
