import { act, render, screen, waitFor } from '@testing-library/react'
import { StrictMode, type ReactNode } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useLatestMessage, usePresence } from '../src/index'
import { asUser, useHarness, WAIT } from './support/harness'

const harness = useHarness()

/** Who is online in a channel, as a line of text the tests read. */
function Online({ name, data }: { name: string; data?: unknown }) {
  const members = usePresence(name, data === undefined ? {} : { data })
  return <p>{`${name}: ${members.map((member) => `${member.sub}×${member.connections}${member.data === undefined ? '' : ` ${JSON.stringify(member.data)}`}`).join(', ') || 'nobody'}`}</p>
}

describe('usePresence', () => {
  it('under StrictMode joins once, shows every member, and follows joins, updates and leaves', async () => {
    const ada = harness.client(asUser('ada'))
    const app = (children: ReactNode) => (
      <StrictMode>
        <RealtimeProvider client={ada}>{children}</RealtimeProvider>
      </StrictMode>
    )
    render(app(<Online name="comments:1" data={{ name: 'Ada' }} />))
    await waitFor(() => expect(screen.getByText('comments:1: ada×1 {"name":"Ada"}')).toBeDefined(), WAIT)
    // The double mount made one connection and one server subscription: ada is there once.
    expect(harness.subscribes('comments:1')).toBe(1)
    expect(harness.connections).toBe(1)

    const grace = harness.client({ ...asUser('grace'), releaseGraceMs: 10 })
    grace.connect()
    const release = grace.channel('comments:1').subscribe({ presence: true })
    await waitFor(() => expect(screen.getByText('comments:1: ada×1 {"name":"Ada"}, grace×1')).toBeDefined(), WAIT)
    act(() => release())
    await waitFor(() => expect(screen.getByText('comments:1: ada×1 {"name":"Ada"}')).toBeDefined(), WAIT)
    expect(harness.errors()).toEqual({})
  }, 30_000)

  it('shares one subscription between a component that joins and one that only reads the channel', async () => {
    const ada = harness.client(asUser('ada'))
    function Latest() {
      const comment = useLatestMessage('comments:2', 'comment', { initial: 'none' })
      return <p>{`latest: ${String(comment)}`}</p>
    }
    render(
      <StrictMode>
        <RealtimeProvider client={ada}>
          <Latest />
          <Online name="comments:2" />
        </RealtimeProvider>
      </StrictMode>,
    )
    await waitFor(() => expect(screen.getByText('comments:2: ada×1')).toBeDefined(), WAIT)
    await harness.server.publish('comments:2', 'comment', 'hi')
    await waitFor(() => expect(screen.getByText('latest: hi')).toBeDefined(), WAIT)
    expect(harness.subscribes('comments:2')).toBe(1)
  }, 30_000)
})
