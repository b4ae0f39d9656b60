import type { RealtimeClient } from '@lifeline/client'
import { render, screen, waitFor } from '@testing-library/react'
import { useState } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useChannelEvent } from '../src/index'
import { ChannelStatus } from './support/ChannelStatus'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()
const BURST = 1000

interface Tick {
  n: number
}

/** Counts ticks through React state too, so batching of the renders is visible on the page. */
function TickCounter({ onTick }: { onTick: (tick: Tick) => void }) {
  const [count, setCount] = useState(0)
  const [done, setDone] = useState(false)
  useChannelEvent('demo:burst', 'tick', (tick) => {
    onTick(tick as Tick)
    setCount((previous) => previous + 1)
  })
  useChannelEvent('demo:burst', 'done', () => setDone(true))
  return (
    <p>
      ticks: {count}
      {done ? ' (done)' : ''}
    </p>
  )
}

function renderWithClient(client: RealtimeClient, ui: React.ReactNode) {
  return render(<RealtimeProvider client={client}>{ui}</RealtimeProvider>)
}

describe('useChannelEvent', () => {
  it(`calls the handler ${BURST} times for a burst of ${BURST} messages, once each, in order`, async () => {
    const received: number[] = []
    renderWithClient(harness.client(), <TickCounter onTick={(tick) => received.push(tick.n)} />)
    await waitFor(() => expect(harness.subscribers('demo:burst')).toBe(1), WAIT)

    for (let n = 0; n < BURST; n += 1) await harness.server.publish('demo:burst', 'tick', { n })
    // The marker comes after the burst on the same channel: once it is here, every tick is too.
    await harness.server.publish('demo:burst', 'done', {})
    await waitFor(() => expect(screen.getByText(`ticks: ${BURST} (done)`)).toBeDefined(), WAIT)

    expect(received).toEqual(Array.from({ length: BURST }, (_, n) => n))
  }, 60_000)

  it('uses the latest handler without subscribing again', async () => {
    const first: number[] = []
    const second: number[] = []
    const client = harness.client()
    const { rerender } = renderWithClient(client, <TickCounter onTick={(tick) => first.push(tick.n)} />)
    await waitFor(() => expect(harness.subscribers('demo:burst')).toBe(1), WAIT)
    await harness.server.publish('demo:burst', 'tick', { n: 1 })
    await waitFor(() => expect(screen.getByText('ticks: 1')).toBeDefined(), WAIT)

    rerender(
      <RealtimeProvider client={client}>
        <TickCounter onTick={(tick) => second.push(tick.n)} />
      </RealtimeProvider>,
    )
    await harness.server.publish('demo:burst', 'tick', { n: 2 })
    await waitFor(() => expect(screen.getByText('ticks: 2')).toBeDefined(), WAIT)

    expect(first).toEqual([1])
    expect(second).toEqual([2])
    expect(harness.subscribes('demo:burst')).toBe(1)
  }, 30_000)

  it('stays silent while enabled is false, even when another component holds the channel', async () => {
    const silenced: number[] = []
    function Silenced() {
      useChannelEvent('demo:burst', 'tick', (tick) => silenced.push((tick as Tick).n), { enabled: false })
      return null
    }
    renderWithClient(
      harness.client(),
      <>
        <Silenced />
        <TickCounter onTick={() => {}} />
      </>,
    )
    await waitFor(() => expect(harness.subscribers('demo:burst')).toBe(1), WAIT)
    await harness.server.publish('demo:burst', 'tick', { n: 1 })
    await harness.server.publish('demo:burst', 'done', {})
    await waitFor(() => expect(screen.getByText('ticks: 1 (done)')).toBeDefined(), WAIT)

    expect(silenced).toEqual([])
  }, 30_000)

  it('hears only its own event and channel', async () => {
    const received: number[] = []
    renderWithClient(
      harness.client(),
      <>
        <TickCounter onTick={(tick) => received.push(tick.n)} />
        <ChannelStatus name="demo:other" />
      </>,
    )
    await waitFor(() => expect(screen.getByText('demo:other: subscribed')).toBeDefined(), WAIT)
    await waitFor(() => expect(harness.subscribers('demo:burst')).toBe(1), WAIT)

    await harness.server.publish('demo:other', 'tick', { n: 1 })
    await harness.server.publish('demo:burst', 'tock', { n: 2 })
    await harness.server.publish('demo:burst', 'tick', { n: 3 })
    await harness.server.publish('demo:burst', 'done', {})
    await waitFor(() => expect(screen.getByText('ticks: 1 (done)')).toBeDefined(), WAIT)

    expect(received).toEqual([3])
  }, 30_000)
})
