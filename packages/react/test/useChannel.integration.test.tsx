import { render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { RealtimeProvider, useChannelEvent, usePresence } from '../src/index'
import { ChannelStatus } from './support/ChannelStatus'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()

describe('useChannel', () => {
  it('moves the subscription when the channel name changes', async () => {
    const heard: string[] = []
    function Board({ name }: { name: string }) {
      useChannelEvent(name, 'moved', (move) => heard.push(`${name} ${(move as { card: string }).card}`))
      return <ChannelStatus name={name} />
    }
    const client = harness.client()
    const { rerender } = render(
      <RealtimeProvider client={client}>
        <Board name="board:1" />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(harness.subscribers('board:1')).toBe(1), WAIT)

    rerender(
      <RealtimeProvider client={client}>
        <Board name="board:2" />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(screen.getByText('board:2: subscribed')).toBeDefined(), WAIT)
    await waitFor(() => expect(harness.subscribers('board:1')).toBe(0), WAIT)
    expect(harness.subscribers('board:2')).toBe(1)

    // Same socket, in order: a board:1 message would arrive before the board:2 one.
    await harness.server.publish('board:1', 'moved', { card: 'a' })
    await harness.server.publish('board:2', 'moved', { card: 'b' })
    await waitFor(() => expect(heard).toEqual(['board:2 b']), WAIT)
  }, 30_000)

  it('holds the subscription off while enabled is false', async () => {
    const client = harness.client()
    const app = (enabled: boolean) => (
      <RealtimeProvider client={client}>
        <ChannelStatus name="board:3" enabled={enabled} />
        <ChannelStatus name="board:4" />
      </RealtimeProvider>
    )
    const { rerender } = render(app(false))
    // board:4 subscribes right after board:3 would have: once it is in, board:3 was not asked for.
    await waitFor(() => expect(screen.getByText('board:4: subscribed')).toBeDefined(), WAIT)
    expect(harness.subscribes('board:3')).toBe(0)
    expect(screen.getByText('board:3: idle')).toBeDefined()

    rerender(app(true))
    await waitFor(() => expect(screen.getByText('board:3: subscribed')).toBeDefined(), WAIT)
    expect(harness.subscribers('board:3')).toBe(1)
  }, 30_000)

  it('shows a refused channel as failed with the server code', async () => {
    render(
      <RealtimeProvider client={harness.client()}>
        <ChannelStatus name="dashboard" />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(screen.getByText('dashboard: failed FORBIDDEN')).toBeDefined(), WAIT)
  }, 30_000)

  it('shows subscribing while the connection is lost, and subscribed once the next one made it again', async () => {
    function Board() {
      const members = usePresence('board:8')
      return (
        <>
          <ChannelStatus name="board:8" />
          <p>{`here: ${members.map((member) => member.sub).join(', ') || 'nobody'}`}</p>
        </>
      )
    }
    render(
      <RealtimeProvider client={harness.client()}>
        <Board />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(screen.getByText('board:8: subscribed')).toBeDefined(), WAIT)
    await waitFor(() => expect(screen.getByText('here: ada')).toBeDefined(), WAIT)

    const { faults } = harness.server
    faults.refuseWebSocket = true
    harness.server.disconnectAll({ code: 4000 })
    await waitFor(() => expect(screen.getByText('board:8: subscribing')).toBeDefined(), WAIT)
    // Presence keeps the members it last knew until the next connection's snapshot.
    expect(screen.getByText('here: ada')).toBeDefined()

    faults.refuseWebSocket = false
    await waitFor(() => expect(screen.getByText('board:8: subscribed')).toBeDefined(), WAIT)
    expect(screen.getByText('here: ada')).toBeDefined()
    expect(harness.subscribers('board:8')).toBe(1)
  }, 30_000)

  it('works without a provider when given a client', async () => {
    const client = harness.client()
    client.connect()
    render(<ChannelStatus name="board:5" client={client} />)
    await waitFor(() => expect(screen.getByText('board:5: subscribed')).toBeDefined(), WAIT)
    expect(harness.subscribers('board:5')).toBe(1)
  }, 30_000)

  it('tells how to fix a missing provider', () => {
    // React also logs the thrown error; keep the output clean, assert on what is thrown.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => render(<ChannelStatus name="board:6" />)).toThrow(/wrap the tree in <RealtimeProvider client=\{client\}>/)
    quiet.mockRestore()
  })
})
