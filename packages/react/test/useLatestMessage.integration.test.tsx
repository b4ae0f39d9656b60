import { render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useLatestMessage } from '../src/index'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()

interface Score {
  user: string
  points: number
}

function TopScore({ name, event = 'score' }: { name: string; event?: string }) {
  const score = useLatestMessage(name, event, { initial: { user: 'nobody', points: 0 } }) as Score
  return <p>{`${name}: ${score.user} ${score.points}`}</p>
}

describe('useLatestMessage', () => {
  it('shows the initial value, then the latest message', async () => {
    render(
      <RealtimeProvider client={harness.client()}>
        <TopScore name="demo:scores" />
      </RealtimeProvider>,
    )
    expect(screen.getByText('demo:scores: nobody 0')).toBeDefined()
    await waitFor(() => expect(harness.subscribers('demo:scores')).toBe(1), WAIT)

    await harness.server.publish('demo:scores', 'score', { user: 'ada', points: 3 })
    await harness.server.publish('demo:scores', 'score', { user: 'grace', points: 5 })
    await waitFor(() => expect(screen.getByText('demo:scores: grace 5')).toBeDefined(), WAIT)
  }, 30_000)

  it('starts from the initial value again on another channel', async () => {
    const client = harness.client()
    const { rerender } = render(
      <RealtimeProvider client={client}>
        <TopScore name="demo:a" />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(harness.subscribers('demo:a')).toBe(1), WAIT)
    await harness.server.publish('demo:a', 'score', { user: 'ada', points: 3 })
    await waitFor(() => expect(screen.getByText('demo:a: ada 3')).toBeDefined(), WAIT)

    rerender(
      <RealtimeProvider client={client}>
        <TopScore name="demo:b" />
      </RealtimeProvider>,
    )
    expect(screen.getByText('demo:b: nobody 0')).toBeDefined()
  }, 30_000)

  it('shows the initial value, not a value from before, when it comes back to a channel', async () => {
    const client = harness.client()
    const app = (name: string) => (
      <RealtimeProvider client={client}>
        <TopScore name={name} />
      </RealtimeProvider>
    )
    const { rerender } = render(app('demo:back'))
    await waitFor(() => expect(harness.subscribers('demo:back')).toBe(1), WAIT)
    await harness.server.publish('demo:back', 'score', { user: 'ada', points: 3 })
    await waitFor(() => expect(screen.getByText('demo:back: ada 3')).toBeDefined(), WAIT)

    rerender(app('demo:away'))
    expect(screen.getByText('demo:away: nobody 0')).toBeDefined()
    // Published while the hook listens elsewhere: ada 3 is no longer the latest score of demo:back.
    await harness.server.publish('demo:back', 'score', { user: 'grace', points: 9 })
    rerender(app('demo:back'))
    expect(screen.getByText('demo:back: nobody 0')).toBeDefined()
    await waitFor(() => expect(client.channel('demo:back').state.status).toBe('subscribed'), WAIT)
    await harness.server.publish('demo:back', 'score', { user: 'alan', points: 4 })
    await waitFor(() => expect(screen.getByText('demo:back: alan 4')).toBeDefined(), WAIT)
  }, 30_000)

  it('starts from the initial value again for another event of the same channel', async () => {
    const client = harness.client()
    const { rerender } = render(
      <RealtimeProvider client={client}>
        <TopScore name="demo:e" />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(harness.subscribers('demo:e')).toBe(1), WAIT)
    await harness.server.publish('demo:e', 'score', { user: 'ada', points: 3 })
    await waitFor(() => expect(screen.getByText('demo:e: ada 3')).toBeDefined(), WAIT)

    rerender(
      <RealtimeProvider client={client}>
        <TopScore name="demo:e" event="best" />
      </RealtimeProvider>,
    )
    // In that very render: the value of `score` is not shown as the latest `best`.
    expect(screen.getByText('demo:e: nobody 0')).toBeDefined()
    await harness.server.publish('demo:e', 'best', { user: 'grace', points: 9 })
    await waitFor(() => expect(screen.getByText('demo:e: grace 9')).toBeDefined(), WAIT)
  }, 30_000)

  it('shows the last value on mount with rewind: 1, before anything new is published', async () => {
    await harness.server.publish('demo:board', 'score', { user: 'ada', points: 3 })
    await harness.server.publish('demo:board', 'score', { user: 'grace', points: 7 })
    function Current() {
      const score = useLatestMessage('demo:board', 'score', { initial: { user: 'nobody', points: 0 }, rewind: 1 }) as Score
      return <p>{`now: ${score.user} ${score.points}`}</p>
    }
    render(
      <StrictMode>
        <RealtimeProvider client={harness.client()}>
          <Current />
        </RealtimeProvider>
      </StrictMode>,
    )
    expect(screen.getByText('now: nobody 0')).toBeDefined()
    await waitFor(() => expect(screen.getByText('now: grace 7')).toBeDefined(), WAIT)
    await harness.server.publish('demo:board', 'score', { user: 'ada', points: 9 })
    await waitFor(() => expect(screen.getByText('now: ada 9')).toBeDefined(), WAIT)
    expect(harness.subscribes('demo:board')).toBe(1)
  }, 30_000)
})
