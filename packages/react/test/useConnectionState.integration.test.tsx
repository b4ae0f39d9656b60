import { render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useConnectionState } from '../src/index'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()

describe('useConnectionState', () => {
  it('re-renders only when the selected value changes', async () => {
    const statusRenders: string[] = []
    const attemptRenders: number[] = []
    function Status() {
      const status = useConnectionState((state) => state.status)
      statusRenders.push(status)
      return <p>status: {status}</p>
    }
    function Attempt() {
      const attempt = useConnectionState((state) => state.attempt)
      attemptRenders.push(attempt)
      return <p>attempt: {attempt}</p>
    }
    // Refused upgrades keep the client `reconnecting` while its attempt count climbs: the snapshot
    // changes on every retry, the status does not.
    harness.server.faults.refuseWebSocket = true
    const client = harness.client({ reconnectDelay: () => 20 })
    let snapshots = 0
    client.onState(() => (snapshots += 1))
    render(
      <RealtimeProvider client={client}>
        <Status />
        <Attempt />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(screen.getByText('attempt: 3')).toBeDefined(), WAIT)
    harness.server.faults.refuseWebSocket = false
    await waitFor(() => expect(screen.getByText('status: connected')).toBeDefined(), WAIT)

    expect(statusRenders).toEqual(['idle', 'connecting', 'reconnecting', 'connected'])
    // Every render of Attempt showed a new count; none was repeated.
    expect(attemptRenders).toEqual([...new Set(attemptRenders)])
    expect(attemptRenders).toContain(3)
    expect(snapshots).toBeGreaterThan(statusRenders.length)
  }, 30_000)

  it('gives the whole snapshot without a selector, and an object-building selector does not loop', async () => {
    const renders: string[] = []
    function Summary() {
      const { status, transport } = useConnectionState((state) => ({ status: state.status, transport: state.transport }))
      renders.push(status)
      return <p>{`${status} over ${transport ?? 'nothing'}`}</p>
    }
    function Whole() {
      const snapshot = useConnectionState()
      return <p>error: {snapshot.error?.code ?? 'none'}</p>
    }
    render(
      <RealtimeProvider client={harness.client()}>
        <Summary />
        <Whole />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(screen.getByText('connected over websocket')).toBeDefined(), WAIT)
    expect(screen.getByText('error: none')).toBeDefined()
    expect(renders).toEqual(['idle', 'connecting', 'connected'])
  }, 30_000)

  it('applies a new selector in the same render, while the snapshot stays the same', () => {
    const client = harness.client()
    function Is({ status }: { status: string }) {
      const matches = useConnectionState((state) => state.status === status, { client })
      return <p>{`${status}: ${matches}`}</p>
    }
    const { rerender } = render(<Is status="idle" />)
    expect(screen.getByText('idle: true')).toBeDefined()
    rerender(<Is status="connected" />)
    expect(screen.getByText('connected: false')).toBeDefined()
  })
})
