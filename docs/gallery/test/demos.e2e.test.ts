import { describe, it, vi } from 'vitest'
import { attribute, click, fill, occurrences, text, waitForElement, waitForText } from './support/dom'
import { describeStories, LIVE } from './support/storyTab'

// The demos doing what they are for, with more than one viewer: notifications, a shared board,
// comments on a track, and one connection however often React mounts a story.

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000 })

const notification = (id: string, text: string) => ({ id, text, at: Date.now() })

describeStories((stories) => {
  const { openStory, screenshot, clientsOf } = stories

  describe.sequential('demos in action', () => {
    it('StrictMode mounts a story twice but the server sees one connection and one subscription', async ({ expect }) => {
      await openStory('demos-leaderboard--default', { user: 'strict-mode-check' })
      await expect.poll(() => clientsOf('strict-mode-check').flatMap((client) => client.channels), LIVE).toEqual(['leaderboard'])
      expect(clientsOf('strict-mode-check')).toHaveLength(1)
    })

    it('notification centre: a new notification raises the unread count and "Mark read" clears it in every tab', async ({ expect }) => {
      const first = await openStory('demos-notification-centre--for-ada', { user: 'nc-reader' })
      const second = await openStory('demos-notification-centre--for-ada', { user: 'nc-reader' }, { inNewTab: true })
      await stories.gallery.server.publish('user:nc-reader', 'notification', notification('n-1', 'Your mentor replied'))
      for (const { page } of [first, second]) await expect.poll(() => text(page, 'unread-count'), LIVE).toBe('1')
      await click(first.page, { button: 'Mark read' })
      for (const { page } of [first, second]) {
        await expect.poll(() => text(page, 'unread-count'), LIVE).toBe('0')
        expect(await attribute(page, { testId: 'notification' }, 'data-read')).toBe('true')
      }
    })

    it('notification centre: away longer than the server history covers, it says some were missed', async ({ expect }) => {
      const user = 'gap-check'
      const { page } = await openStory('demos-notification-centre--for-ada', { user })
      await expect.poll(() => clientsOf(user).flatMap((client) => client.channels), LIVE).toEqual([`user:${user}`])
      // Every transport refused, so the tab is truly away while the history overflows.
      Object.assign(stories.gallery.server.faults, { refuseWebSocket: true, dropSse: true, dropPoll: true })
      for (const client of clientsOf(user)) client.disconnect(4000, 'test: connection lost')
      await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('reconnecting')
      // More than the in-memory history keeps (1,000 per channel), published while the tab is away.
      for (let n = 0; n <= 1000; n++) await stories.gallery.server.publish(`user:${user}`, 'notification', notification(`away-${n}`, `missed ${n}`))
      Object.assign(stories.gallery.server.faults, { refuseWebSocket: false, dropSse: false, dropPoll: false })
      await waitForElement(page, { testId: 'missed' })
      expect(await text(page, 'inspector-status')).toBe('connected')
      await screenshot(page, 'demos-notification-centre--missed')
    })

    it('kanban: a card moved by one user appears in place for another', async ({ expect }) => {
      const linus = await openStory('demos-kanban-board--private-board', { user: 'linus', board: 'e2e-board' })
      const grace = await openStory('demos-kanban-board--private-board', { user: 'grace', board: 'e2e-board' }, { inNewTab: true })
      await click(linus.page, { button: 'move card-2 right' })
      for (const { page } of [linus, grace]) await waitForElement(page, { css: '[data-testid="column-doing"] [data-testid="card-2"][data-by="linus"]' })
      expect(await text(grace.page, 'activity')).toContain('linus moved SSE fallback to doing')
      expect(await text(linus.page, 'activity')).toContain('You moved SSE fallback to doing')
    })

    it('comments: a posted comment appears once for every viewer of the track, and not on another track', async ({ expect }) => {
      const ada = await openStory('demos-comments-on-a-track--type-script-track', { user: 'ada' })
      const grace = await openStory('demos-comments-on-a-track--as-grace', { user: 'grace' }, { inNewTab: true })
      const rust = await openStory('demos-comments-on-a-track--as-grace', { user: 'linus', track: 'rust' }, { inNewTab: true })
      const body = `Nice solution ${Date.now()}`
      await fill(ada.page, 'comment', body)
      await click(ada.page, { button: 'Post' })
      for (const { page } of [ada, grace]) await waitForText(page, body)
      // A later comment arriving proves the first one had its chance to be repeated.
      await stories.gallery.server.publish('comments:typescript', 'comment', { id: 'after', author: 'ken', text: 'after it', at: Date.now() })
      for (const { page } of [ada, grace]) {
        await waitForText(page, 'after it')
        expect(await occurrences(page, body)).toBe(1)
      }
      expect(await occurrences(rust.page, body)).toBe(0)
    })
  })
})
