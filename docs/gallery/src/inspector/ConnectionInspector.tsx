import { useChannel, useConnectionState } from '@lifeline/react'
import { useDemoSession } from '../realtime/demoSessionContext'
import { useEventLog } from '../realtime/useEventLog'
import { useClientStats } from './useClientStats'

export interface ConnectionInspectorProps {
  /** Channels to hold a subscription on while shown, so their frames appear in the log. */
  watch?: string[]
  /**
   * How many recent frames to list.
   * @default 12
   */
  recentFrames?: number
}

const time = (at: number) => new Date(at).toLocaleTimeString([], { hour12: false })

/**
 * The connection as the client sees it: state timeline, transport, RTT (`client.stats()`) and the
 * frames going in and out (recorded by the client's `logger` option). Sits beside every story.
 */
export function ConnectionInspector({ watch = [], recentFrames = 12 }: ConnectionInspectorProps) {
  const session = useDemoSession()
  const { status, transport, diagnosis, role } = useConnectionState()
  const stats = useClientStats()
  const timeline = useEventLog(session.timeline)
  const frames = useEventLog(session.frames)
  return (
    <aside className="inspector" data-testid="inspector" aria-label="Connection inspector">
      {watch.map((name) => (
        <Watch key={name} name={name} />
      ))}
      <h3>Connection inspector</h3>
      <dl className="inspector-stats">
        <dt>Status</dt>
        <dd data-testid="inspector-status">{status}</dd>
        <dt>Transport</dt>
        <dd data-testid="inspector-transport">{transport ?? '—'}</dd>
        <dt>Diagnosis</dt>
        <dd data-testid="inspector-diagnosis">{diagnosis ?? '—'}</dd>
        {/* With tab sharing: whether this tab holds the connection or goes through the tab that does. */}
        {role && (
          <>
            <dt>Tab</dt>
            <dd data-testid="inspector-role">{role}</dd>
          </>
        )}
        <dt>RTT</dt>
        <dd data-testid="inspector-rtt">{stats.rttMs === undefined ? '—' : `${stats.rttMs} ms`}</dd>
        <dt>Frames in / out</dt>
        <dd data-testid="inspector-frames">
          <span data-testid="frames-in">{stats.framesIn}</span> / <span data-testid="frames-out">{stats.framesOut}</span>
        </dd>
        <dt>Reconnects</dt>
        <dd>{stats.reconnects}</dd>
      </dl>
      <h4>State timeline</h4>
      <ol className="timeline" data-testid="timeline">
        {timeline.map((entry, index) => (
          <li key={index} data-status={entry.status}>
            <time>{time(entry.at)}</time> {entry.status}
            {entry.transport && <span className="pill">{entry.transport}</span>}
            {entry.error && <span className="pill pill-error">{entry.error}</span>}
          </li>
        ))}
      </ol>
      <h4>Recent frames</h4>
      <ol className="frames" data-testid="frames">
        {frames.slice(-recentFrames).reverse().map((frame, index) => (
          <li key={frames.length - index} className={`frame-${frame.direction}`}>
            <span aria-label={frame.direction}>{frame.direction === 'in' ? '↓' : '↑'}</span> <b>{frame.type}</b> {frame.summary}
          </li>
        ))}
      </ol>
    </aside>
  )
}

/** Holds a subscription to `name` while mounted. */
function Watch({ name }: { name: string }) {
  useChannel(name)
  return null
}
