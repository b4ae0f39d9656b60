import type { TransportName } from '@lifeline/client'
import { useConnectionState, useRealtimeClient } from '@lifeline/react'
import { useEffect, useState } from 'react'
import { useWebSocketBlock } from './useWebSocketBlock'
import { useTickCounter } from './useTickCounter'

export interface FallbackLabProps {
  user: string
  /**
   * The channel with a steady `tick` stream (4 a second from the gallery server).
   * @default 'demo:ticker'
   */
  ticker?: `demo:${string}`
}

interface Switch {
  transport: TransportName
  at: number
}

/**
 * Block WebSocket on the mock server the way a proxy would, and watch the client move to SSE with
 * messages continuing; unblock it and watch the background probe bring it back to WebSocket. The
 * counter checks every message arrived once, in order.
 */
export function FallbackLab({ user, ticker = 'demo:ticker' }: FallbackLabProps) {
  // sample: transport
  const client = useRealtimeClient()
  const { status, transport } = useConnectionState()
  const { blocked, setBlocked } = useWebSocketBlock()
  const count = useTickCounter(ticker)
  const [switches, setSwitches] = useState<Switch[]>([])
  useEffect(() => client.on('transport', ({ transport: next }) => setSwitches((list) => [...list, { transport: next, at: Date.now() }])), [client])
  // end sample

  return (
    <section className="card fallback-lab">
      <h2>Fallback lab</h2>
      <div className="lab-row">
        <div className="big-readout">
          <span className="tile-label">Transport</span>
          <span className={`transport transport-${transport ?? 'none'}`} data-testid="transport">
            {transport ?? status}
          </span>
        </div>
        <div className="big-readout">
          <span className="tile-label">Messages received</span>
          <span data-testid="message-count">{count.received}</span>
        </div>
        <div className="big-readout">
          <span className="tile-label">Lost / repeated</span>
          <span>
            <span data-testid="gap-count">{count.gaps}</span> / <span data-testid="duplicate-count">{count.duplicates}</span>
          </span>
        </div>
      </div>
      <button type="button" className="block-toggle" data-testid="block-websocket" aria-pressed={blocked ?? false} disabled={blocked === undefined} onClick={() => void setBlocked(!blocked)}>
        {blocked ? 'Unblock WebSocket' : 'Block WebSocket'}
      </button>{' '}
      <span className="muted">refuses WebSocket upgrades on the mock server, like a proxy that does not pass them</span>
      <p className="muted">
        {user} · last tick #{count.last ?? '—'} on <code>{ticker}</code>. While on SSE the client probes WebSocket in the background
        and moves back, resuming each channel from its last position, when the probe completes a handshake.
      </p>
      <h3>Transport switches</h3>
      <ol className="switches" data-testid="switches">
        {switches.map((entry, index) => (
          <li key={index}>
            {new Date(entry.at).toLocaleTimeString([], { hour12: false })} → {entry.transport}
          </li>
        ))}
      </ol>
    </section>
  )
}
