import { useConnectionState, useRealtimeClient } from '@lifeline/react'
import { useState } from 'react'
import { useDemoSession } from '../realtime/demoSessionContext'
import { useEventLog } from '../realtime/useEventLog'
import { LabCard } from './LabCard'
import { Readout } from './Readout'
import { useNow } from './useNow'

export interface AuthLabProps {
  user: string
  /** Lifetime of each token; the client refreshes in-band at 80 % of what the server reports. */
  tokenTtlSeconds: number
}

const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour12: false })

/**
 * Short-lived tokens: watch each refresh happen on the open connection (no reconnect), then revoke
 * the user and watch the client stop instead of hammering the server.
 */
export function AuthLab({ user, tokenTtlSeconds }: AuthLabProps) {
  const client = useRealtimeClient()
  const session = useDemoSession()
  const tokens = useEventLog(session.tokens)
  const timeline = useEventLog(session.timeline)
  const { status, error } = useConnectionState()
  const now = useNow()
  const [busy, setBusy] = useState(false)
  const current = tokens.filter((entry) => entry.outcome === 'issued').at(-1)
  const refreshes = tokens.filter((entry) => entry.reason === 'refresh' && entry.outcome === 'issued').length
  const handshakes = timeline.filter((entry) => entry.status === 'connected').length
  const stopped = status === 'disconnected'

  const revoke = async (revoked: boolean) => {
    setBusy(true)
    await fetch(`/demo/revoke?sub=${encodeURIComponent(user)}`, { method: revoked ? 'POST' : 'DELETE' })
    if (!revoked) client.connect()
    setBusy(false)
  }

  return (
    <LabCard
      title="Auth lab"
      className="auth-lab"
      readouts={
        <>
          <Readout label="Status">
            <span data-testid="auth-status" className={stopped ? 'error' : undefined}>
              {status}
            </span>
          </Readout>
          <Readout label="Token expires in">
            <span data-testid="expires-in">{current?.expiresAt && !stopped ? `${Math.max(0, Math.round((current.expiresAt - now) / 1000))} s` : '—'}</span>
          </Readout>
          <Readout label="In-band refreshes">
            <span data-testid="refresh-count">{refreshes}</span>
          </Readout>
          <Readout label="Handshakes">
            <span data-testid="handshake-count">{handshakes}</span>
          </Readout>
        </>
      }
    >
      {stopped && error && (
        <p className="error" data-testid="stopped-reason">
          Stopped with <code>{error.code}</code>: the token service refused {user}, so the client gave up instead of retrying.
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={busy || stopped} onClick={() => void revoke(true)}>
          Revoke {user}
        </button>
        <button type="button" disabled={busy || !stopped} onClick={() => void revoke(false)}>
          Restore access and reconnect
        </button>
      </div>
      <p className="muted">
        Tokens for {user} live {tokenTtlSeconds} s. A refresh is a <code>refresh</code> command on the open connection; the handshake count stays
        at one. Revoking cuts the connection with 4201 (refresh, then reconnect); the token service then answers 403, <code>getToken</code> throws{' '}
        <code>UnauthorizedError</code>, and the client stops.
      </p>
      <h3>Token requests</h3>
      <table className="token-log" data-testid="token-log">
        <thead>
          <tr>
            <th>At</th>
            <th>Reason</th>
            <th>Outcome</th>
            <th>Expires</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((entry, index) => (
            <tr key={index} data-reason={entry.reason} data-outcome={entry.outcome}>
              <td>{clock(entry.at)}</td>
              <td>{entry.reason}</td>
              <td>{entry.outcome}</td>
              <td>{entry.expiresAt ? clock(entry.expiresAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </LabCard>
  )
}
