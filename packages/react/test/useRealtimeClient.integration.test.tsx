import type { TransportName } from '@lifeline/client'
import { render, screen, waitFor } from '@testing-library/react'
import { useEffect, useState } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useRealtimeClient } from '../src/index'
import { useHarness } from './support/harness'

const harness = useHarness()

describe('useRealtimeClient', () => {
  it("gives the provider's client, for events the other hooks do not cover", async () => {
    function Transport() {
      const client = useRealtimeClient()
      const [transport, setTransport] = useState<TransportName>()
      useEffect(() => client.on('transport', (change) => setTransport(change.transport)), [client])
      return <p>transport: {transport ?? 'none yet'}</p>
    }
    const client = harness.client()
    render(
      <RealtimeProvider client={client}>
        <Transport />
      </RealtimeProvider>,
    )
    expect(screen.getByText('transport: none yet')).toBeDefined()
    await waitFor(() => expect(screen.getByText('transport: websocket')).toBeDefined(), { timeout: 20_000 })
  }, 30_000)
})
