import { describe, it, vi } from 'vitest'
import { attribute, click, number, text, texts, type Target } from './support/dom'
import { describeStories, LIVE } from './support/storyTab'

// The fallback lab: the mock server's fault switches behave like broken proxies, and the client
// moves to SSE, to long-polling and back to WebSocket without losing or repeating a message.

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000 })

describeStories((stories) => {
  const { openStory, screenshot } = stories

  describe.sequential('fallback lab', () => {
    // sample: fallback-lab
    it('fallback lab: SSE while WebSocket is blocked, WebSocket again after, and the counter never skips or repeats', async ({ expect }) => {
      const { page, errors } = await openStory('labs-fallback-lab--default')
      const block: Target = { testId: 'block-websocket' }
      await expect.poll(() => attribute(page, block, 'disabled')).toBe(null)
      expect(await attribute(page, block, 'aria-pressed')).toBe('false')
      await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(2)

      await click(page, block)
      await expect.poll(() => attribute(page, block, 'aria-pressed')).toBe('true')
      await expect.poll(() => text(page, 'transport'), LIVE).toBe('sse')
      const onSse = await number(page, 'message-count')
      await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(onSse + 4)
      await screenshot(page, 'labs-fallback-lab--on-sse')

      await click(page, block)
      await expect.poll(() => attribute(page, block, 'aria-pressed')).toBe('false')
      await expect.poll(() => text(page, 'transport'), LIVE).toBe('websocket')
      const back = await number(page, 'message-count')
      await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(back + 4)

      expect(await text(page, 'gap-count')).toBe('0')
      expect(await text(page, 'duplicate-count')).toBe('0')
      expect(await texts(page, '[data-testid="switches"] li')).toEqual([expect.stringMatching(/websocket$/), expect.stringMatching(/sse$/), expect.stringMatching(/websocket$/)])
      await screenshot(page, 'labs-fallback-lab--back-on-websocket')
      expect(await errors()).toEqual([])
    })
    // end sample

    it('fallback lab: behind a blocked WebSocket and a buffered SSE the client polls and says why; a silenced WebSocket is dropped and replaced; the counter never skips or repeats', async ({ expect }) => {
      const { page, errors } = await openStory('labs-fallback-lab--default')
      await expect.poll(() => attribute(page, { testId: 'buffer-sse' }, 'disabled')).toBe(null)
      await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(2)

      // The open WebSocket passes nothing from now on, without a close: the client's ping finds out.
      await click(page, { testId: 'silence-websocket' })
      await expect.poll(async () => (await texts(page, '[data-testid="timeline"] li')).some((entry) => entry.includes('reconnecting')), LIVE).toBe(true)
      await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('connected')
      expect(await text(page, 'transport')).toBe('websocket')

      await click(page, { testId: 'block-websocket' })
      await click(page, { testId: 'buffer-sse' })
      await expect.poll(() => text(page, 'transport'), LIVE).toBe('long-polling')
      await expect.poll(() => text(page, 'diagnosis'), LIVE).toBe('SSE_BUFFERED')
      expect(await text(page, 'inspector-diagnosis')).toBe('SSE_BUFFERED')
      const polling = await number(page, 'message-count')
      await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(polling + 4)
      await screenshot(page, 'labs-fallback-lab--long-polling')

      await click(page, { testId: 'buffer-sse' })
      await click(page, { testId: 'block-websocket' })
      await expect.poll(() => text(page, 'transport'), LIVE).toBe('websocket')
      expect(await text(page, 'diagnosis')).toBe('none')
      expect(await text(page, 'gap-count')).toBe('0')
      expect(await text(page, 'duplicate-count')).toBe('0')
      expect(await errors()).toEqual([])
    })

    it('fallback lab: leaving the lab lifts the block it set', async ({ expect }) => {
      const { page } = await openStory('labs-fallback-lab--default')
      await click(page, { testId: 'block-websocket' })
      await expect.poll(() => stories.gallery.server.faults.refuseWebSocket).toBe(true)
      await click(page, { css: 'nav a[data-story-id="demos-leaderboard--default"]' })
      await expect.poll(() => stories.gallery.server.faults.refuseWebSocket, LIVE).toBe(false)
    })
  })
})
