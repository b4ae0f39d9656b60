import type { RealtimeClient } from '@lifeline/client'
import { render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useChannel, useConnectionState, useLatestMessage } from '../src/index'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()

function Page() {
  const status = useConnectionState((state) => state.status)
  const { state } = useChannel('demo:swap')
  const headline = useLatestMessage('demo:swap', 'headline', { initial: 'no news' })
  return <p>{`${status} / ${state.status} / ${String(headline)}`}</p>
}

describe('RealtimeProvider', () => {
  it("moves every hook to the new client when its client changes, and disconnects the old one", async () => {
    const app = (client: RealtimeClient) => (
      <StrictMode>
        <RealtimeProvider client={client}>
          <Page />
        </RealtimeProvider>
      </StrictMode>
    )
    const first = harness.client({ releaseGraceMs: 10 })
    const { rerender } = render(app(first))
    await waitFor(() => expect(screen.getByText('connected / subscribed / no news')).toBeDefined(), WAIT)
    await harness.server.publish('demo:swap', 'headline', 'from the first client')
    await waitFor(() => expect(screen.getByText('connected / subscribed / from the first client')).toBeDefined(), WAIT)

    const second = harness.client({ releaseGraceMs: 10 })
    rerender(app(second))
    // In that very render: the new client's state, and nothing heard through the old one.
    expect(screen.getByText(/^(idle|connecting) \/ idle \/ no news$/)).toBeDefined()
    await waitFor(() => expect(screen.getByText('connected / subscribed / no news')).toBeDefined(), WAIT)
    // The old client's channel is released at once and the client disconnects a grace period later.
    await waitFor(() => expect(first.getSnapshot().status).toBe('disconnected'), WAIT)
    expect(first.channel('demo:swap').state.status).toBe('idle')
    expect(harness.subscribers('demo:swap')).toBe(1)
    expect(harness.connections).toBe(2)

    await harness.server.publish('demo:swap', 'headline', 'from the second client')
    await waitFor(() => expect(screen.getByText('connected / subscribed / from the second client')).toBeDefined(), WAIT)
  }, 30_000)
})
