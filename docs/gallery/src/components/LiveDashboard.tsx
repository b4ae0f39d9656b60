import { useChannel, useChannelEvent, useLatestMessage } from '@lifeline/react'
import { useState } from 'react'

export interface LiveDashboardProps {
  user: string
  /** The `dashboard` channel admits roles admin and mentor; anyone else is refused (`FORBIDDEN`). */
  roles?: string[]
  /**
   * Points in the active-users sparkline.
   * @default 30
   */
  points?: number
}

/** Stats for admins and mentors, ticking every second, with a sparkline of active users. */
export function LiveDashboard({ user, roles = [], points = 30 }: LiveDashboardProps) {
  // sample: hooks
  // On load, the last `points` stats from history fill the sparkline and the tiles at once.
  const { state } = useChannel('dashboard', { rewind: points })
  const stats = useLatestMessage('dashboard', 'stats', { initial: undefined })
  const [history, setHistory] = useState<number[]>([])
  useChannelEvent('dashboard', 'stats', (next) => setHistory((list) => [...list.slice(-(points - 1)), next.activeUsers]))
  // end sample

  // sample: forbidden
  if (state.status === 'failed') {
    return (
      <section className="card dashboard" data-testid="dashboard-denied">
        <h2>Live dashboard</h2>
        <p className="error">
          {user} ({roles.join(', ') || 'no role'}) may not see the dashboard: <code>{state.error?.code}</code>. It is for admins and mentors.
        </p>
      </section>
    )
  }
  // end sample
  return (
    <section className="card dashboard">
      <h2>Live dashboard</h2>
      <p className="muted">
        {user} as {roles.join(', ')} · channel <code>dashboard</code> · <span data-testid="channel-status">{state.status}</span>
      </p>
      <div className="tiles">
        <div className="tile">
          <span className="tile-label">Active users</span>
          <span className="tile-value" data-testid="active-users">{stats?.activeUsers ?? '…'}</span>
          <Sparkline values={history} />
        </div>
        <div className="tile">
          <span className="tile-label">Submissions today</span>
          <span className="tile-value" data-testid="submissions">{stats?.submissions ?? '…'}</span>
        </div>
        <div className="tile">
          <span className="tile-label">Updated</span>
          <span className="tile-value small">{stats ? new Date(stats.at).toLocaleTimeString() : '…'}</span>
        </div>
      </div>
    </section>
  )
}

function Sparkline({ values, width = 160, height = 36 }: { values: number[]; width?: number; height?: number }) {
  if (values.length < 2) return <svg width={width} height={height} aria-hidden data-testid="sparkline" data-points={values.length} />
  const min = Math.min(...values)
  const span = Math.max(1, Math.max(...values) - min)
  const step = width / (values.length - 1)
  const path = values.map((value, index) => `${index ? 'L' : 'M'}${(index * step).toFixed(1)},${(height - ((value - min) / span) * height).toFixed(1)}`).join(' ')
  return (
    <svg width={width} height={height} className="sparkline" aria-label="active users over time" data-testid="sparkline" data-points={values.length}>
      <path d={path} fill="none" stroke="currentColor" strokeWidth="2" />
    </svg>
  )
}
