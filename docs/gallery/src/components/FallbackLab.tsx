import type { TransportName } from '@lifeline/client'
import { useConnectionState, useRealtimeClient } from '@lifeline/react'
import { useEffect, useState } from 'react'
import { LabCard } from './LabCard'
import { Readout } from './Readout'
import { TickCountReadouts } from './TickCountReadouts'
import { useFaultSwitch } from './useFaultSwitch'
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
  /** Why the client was not on WebSocket then, as it reported. */
  diagnosis: string | undefined
}

/**
 * Block WebSocket on the mock server the way a proxy would, and watch the client move to SSE with
 * messages continuing; buffer SSE too and watch it move to long-polling; silence the open WebSocket
 * and watch the client find out within seconds. Unblock and the background probe brings it back to
 * WebSocket. The client's diagnosis says what it found; the counter checks every message arrived
 * once, in order.
 */
export function FallbackLab({ user, ticker = 'demo:ticker' }: FallbackLabProps) {
  // sample: transport
  const client = useRealtimeClient()
  const { status, transport, diagnosis } = useConnectionState()
  const { on: blocked, set: setBlocked } = useFaultSwitch('refuseWebSocket')
  const { on: buffered, set: setBuffered } = useFaultSwitch('bufferSse')
  const count = useTickCounter(ticker)
  const [switches, setSwitches] = useState<Switch[]>([])
  useEffect(
    () => client.on('transport', ({ transport: next }) => setSwitches((list) => [...list, { transport: next, at: Date.now(), diagnosis: client.getSnapshot().diagnosis }])),
    [client],
  )
  // end sample
  const [silenced, setSilenced] = useState<number>()
  const silenceWebSocket = async () => setSilenced(((await (await fetch('/demo/silence-websocket', { method: 'POST' })).json()) as { silenced: number }).silenced)

  return (
    <LabCard
      title="Fallback lab"
      className="fallback-lab"
      readouts={
        <>
          <Readout label="Transport">
            <span className={`transport transport-${transport ?? 'none'}`} data-testid="transport">
              {transport ?? status}
            </span>
          </Readout>
          <Readout label="Diagnosis">
            <span className="diagnosis" data-testid="diagnosis">
              {diagnosis ?? 'none'}
            </span>
          </Readout>
          <TickCountReadouts count={count} />
        </>
      }
    >
      <button type="button" className="block-toggle" data-testid="block-websocket" aria-pressed={blocked ?? false} disabled={blocked === undefined} onClick={() => void setBlocked(!blocked)}>
        {blocked ? 'Unblock WebSocket' : 'Block WebSocket'}
      </button>{' '}
      <span className="muted">refuses WebSocket upgrades on the mock server, like a proxy that does not pass them</span>
      <br />
      <button type="button" className="block-toggle" data-testid="buffer-sse" aria-pressed={buffered ?? false} disabled={buffered === undefined} onClick={() => void setBuffered(!buffered)}>
        {buffered ? 'Stop buffering SSE' : 'Buffer SSE'}
      </button>{' '}
      <span className="muted">holds every new event stream back, like a buffering proxy: with WebSocket blocked too, the client polls</span>
      <br />
      <button type="button" data-testid="silence-websocket" onClick={() => void silenceWebSocket()}>
        Silence WebSocket now
      </button>{' '}
      <span className="muted">
        the open WebSockets pass nothing from now on, without a close: the client pings a quiet link and drops it within 10 s
        {silenced === undefined ? '' : ` (${silenced} silenced)`}
      </span>
      <p className="muted">
        {user} · last tick #{count.last ?? '—'} on <code>{ticker}</code>. While not on WebSocket the client probes it in the background
        and moves back, resuming each channel from its last position, when the probe completes a handshake.
      </p>
      <h3>Transport switches</h3>
      <ol className="switches" data-testid="switches">
        {switches.map((entry, index) => (
          <li key={index}>
            {new Date(entry.at).toLocaleTimeString([], { hour12: false })} {entry.diagnosis && <span className="pill">{entry.diagnosis}</span>} →{' '}
            {entry.transport}
          </li>
        ))}
      </ol>
    </LabCard>
  )
}
