import type { RefreshResult } from '@lifeline/protocol'
import type { Connection } from './connection'
import type { CurrentConnection } from './currentConnection'
import type { RealtimeError } from './errors'
import { recoveryFor } from './recoveryPolicy'
import { noop } from './timers'
import type { TokenManager, TokenReason } from './tokenManager'

/** Refresh proactively once this share of the token's lifetime has passed. */
const REFRESH_AT = 0.8

export interface TokenRefreshEvents {
  /** The user is signed out, or a fresh token was refused too: the client must stop. */
  stop(error: RealtimeError): void
  /** Something failed that the connection survives; report it. */
  error(error: RealtimeError): void
}

/**
 * Keeps the current connection's token fresh. Once the server said how long the token lives (in
 * the connect or refresh reply, relative, so clocks need not agree), a new one is fetched at 80 % of
 * that lifetime and sent in-band on the same connection: no reconnect. Returns the function to
 * call with each such reply.
 */
export function tokenRefresh(tokens: TokenManager, current: CurrentConnection, schedule: (callback: () => void, ms: number) => () => void, on: TokenRefreshEvents): (connection: Connection, expiresInMs: number | undefined) => void {
  let cancel = noop
  // Another connection (or none) starts over: its own connect reply says how long its token lives.
  current.onChange(() => cancel())

  const accepted = (connection: Connection, expiresInMs: number | undefined) => {
    tokens.accepted(expiresInMs)
    cancel()
    if (expiresInMs !== undefined) cancel = schedule(() => void refresh(connection, 'refresh'), expiresInMs * REFRESH_AT)
  }

  const refresh = async (connection: Connection, reason: TokenReason) => {
    let token: string
    try {
      token = await tokens.fetch(reason)
    } catch (error) {
      // A connection replaced meanwhile is closed: what happened to its refresh no longer matters.
      if (connection.closed) return
      // Anything but a sign-out is left to the server's expiry notice, which reconnects with backoff.
      return (error as RealtimeError).code === 'UNAUTHORIZED' ? on.stop(error as RealtimeError) : on.error(error as RealtimeError)
    }
    connection.request({ type: 'refresh', token }, (error, result) => {
      if (connection.closed) return
      if (!error) return accepted(connection, (result as RefreshResult).expiresInMs)
      const recovery = recoveryFor(error, undefined, tokens.renewable)
      // A token that cannot be renewed any more stops the client (the policy's UNAUTHORIZED); any
      // other refusal of the refresh leaves the connection to the server's expiry notice.
      if (recovery.action === 'stop' && recovery.error !== error) return on.stop(recovery.error)
      on.error(error)
      if (recovery.action === 'refresh') {
        tokens.rejected()
        void refresh(connection, 'rejected')
      }
    })
  }
  return accepted
}
