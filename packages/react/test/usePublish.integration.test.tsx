import type { PublishResult } from '@lifeline/client'
import { render, screen, waitFor } from '@testing-library/react'
import { useState } from 'react'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useChannelEvent, usePublish, type Publish } from '../src/index'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()

describe('usePublish', () => {
  it('resolves with the server reply, and subscribers receive the message', async () => {
    let publish!: Publish<'comments:1'>
    function Comments() {
      const [texts, setTexts] = useState<string[]>([])
      publish = usePublish('comments:1')
      useChannelEvent('comments:1', 'comment', (comment) => setTexts((previous) => [...previous, (comment as { text: string }).text]))
      return <p>comments: {texts.join(', ')}</p>
    }
    render(
      <RealtimeProvider client={harness.client()}>
        <Comments />
      </RealtimeProvider>,
    )
    await waitFor(() => expect(harness.subscribers('comments:1')).toBe(1), WAIT)

    const first: PublishResult = await publish('comment', { text: 'first!' })
    const second = await publish('comment', { text: 'second' })

    expect(first.duplicate).toBe(false)
    expect(second.position).toEqual({ epoch: first.position.epoch, offset: first.position.offset + 1 })
    await waitFor(() => expect(screen.getByText('comments: first!, second')).toBeDefined(), WAIT)
  }, 30_000)

  it('rejects with the server error code where publishing is not allowed', async () => {
    let publish!: Publish<'broadcasts'>
    function Impostor() {
      publish = usePublish('broadcasts')
      return null
    }
    render(
      <RealtimeProvider client={harness.client()}>
        <Impostor />
      </RealtimeProvider>,
    )
    await expect(publish('announcement', { text: 'free points for all' })).rejects.toMatchObject({ name: 'RealtimeError', code: 'FORBIDDEN' })
  }, 30_000)

  it('keeps the same function across renders', () => {
    const publishes = new Set<unknown>()
    function Publisher({ label }: { label: string }) {
      publishes.add(usePublish('comments:1'))
      return <p>{label}</p>
    }
    const client = harness.client()
    const { rerender } = render(
      <RealtimeProvider client={client}>
        <Publisher label="one" />
      </RealtimeProvider>,
    )
    rerender(
      <RealtimeProvider client={client}>
        <Publisher label="two" />
      </RealtimeProvider>,
    )
    expect(screen.getByText('two')).toBeDefined()
    expect(publishes.size).toBe(1)
  })
})
