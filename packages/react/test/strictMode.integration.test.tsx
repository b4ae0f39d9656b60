import { render, screen, waitFor } from '@testing-library/react'
import { StrictMode, type ReactNode } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, usePublish } from '../src/index'
import { ChannelStatus } from './support/ChannelStatus'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()

describe('under StrictMode', () => {
  it('makes one connection and one server subscription per channel, however many components use it', async () => {
    const client = harness.client()
    render(
      <StrictMode>
        <RealtimeProvider client={client}>
          <ChannelStatus name="board:1" />
          <ChannelStatus name="board:1" />
          <ChannelStatus name="board:2" />
        </RealtimeProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(screen.getAllByText(/: subscribed/)).toHaveLength(3), WAIT)
    // Commands on one socket are answered in order: once this publish is acknowledged, any second
    // subscribe sent during the double mount has been handled too (and would show up below).
    await client.channel('demo:after').publish('ping', {})

    expect(harness.sockets).toBe(1)
    expect(harness.connections).toBe(1)
    expect(harness.subscribes('board:1')).toBe(1)
    expect(harness.subscribes('board:2')).toBe(1)
    expect(harness.errors()).toEqual({})
  }, 30_000)

  it('releases the server subscription only after the grace period once the last user unmounts', async () => {
    // A grace period far longer than the round trip below, however busy the machine.
    const client = harness.client({ releaseGraceMs: 5000 })
    const app = (children: ReactNode) => (
      <StrictMode>
        <RealtimeProvider client={client}>{children}</RealtimeProvider>
      </StrictMode>
    )
    const { rerender } = render(app(<ChannelStatus name="board:1" />))
    await waitFor(() => expect(harness.subscribers('board:1')).toBe(1), WAIT)

    rerender(app(null))
    // An unsubscribe sent at unmount would be answered before this publish: it was not sent.
    await client.channel('demo:after').publish('ping', {})
    expect(harness.subscribers('board:1')).toBe(1)
    expect(client.channel('board:1').state.status).toBe('subscribed')

    await waitFor(() => expect(harness.subscribers('board:1')).toBe(0), WAIT)
    expect(client.channel('board:1').state.status).toBe('idle')
  }, 30_000)

  it('keeps the subscription when the component remounts within the grace period', async () => {
    const client = harness.client()
    const app = (children: ReactNode) => (
      <StrictMode>
        <RealtimeProvider client={client}>{children}</RealtimeProvider>
      </StrictMode>
    )
    const { rerender } = render(
      app(
        <>
          <ChannelStatus name="board:1" />
          <ChannelStatus name="board:2" />
        </>,
      ),
    )
    await waitFor(() => expect(screen.getAllByText(/: subscribed/)).toHaveLength(2), WAIT)

    rerender(app(<ChannelStatus name="board:2" />))
    // board:2 is the witness: unmounted after board:1, its release is due after board:1's would be.
    rerender(app(null))
    rerender(app(<ChannelStatus name="board:1" />))
    await waitFor(() => expect(harness.subscribers('board:2')).toBe(0), WAIT)

    expect(harness.subscribers('board:1')).toBe(1)
    expect(harness.subscribes('board:1')).toBe(1)
    expect(screen.getByText('board:1: subscribed')).toBeDefined()
  }, 30_000)

  it('connects the provider once and disconnects a grace period after it unmounts', async () => {
    const client = harness.client()
    const { unmount } = render(
      <StrictMode>
        <RealtimeProvider client={client}>
          <ChannelStatus name="board:1" />
        </RealtimeProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(client.getSnapshot().status).toBe('connected'), WAIT)
    unmount()
    expect(client.getSnapshot().status).toBe('connected')
    await waitFor(() => expect(client.getSnapshot().status).toBe('disconnected'), WAIT)
    await waitFor(() => expect(harness.server.clients).toHaveLength(0), WAIT)
    expect(harness.connections).toBe(1)
  }, 30_000)
})
