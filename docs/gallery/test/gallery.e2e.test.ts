import type { Page } from '@lifeline/testkit'
import { describe, it, vi, type ExpectStatic } from 'vitest'
import type { GalleryServer } from '../src/server/startGalleryServer'
import { attribute, click, count, number, text, texts, waitForElement, waitForText } from './support/dom'
import { describeStories, LIVE } from './support/storyTab'

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000 })

const isNumber = (value: string | null) => /^\d+$/.test(value ?? '')
const someRows = (rows: string[]) => rows.length > 0
const notification = (id: string, text: string) => ({ id, text, at: Date.now() })

/** Waits for a first value that `ready` accepts, then for a different one: data that updates on its own. */
async function changes<T>(expect: ExpectStatic, read: () => Promise<T>, ready: (value: T) => boolean): Promise<void> {
  await expect.poll(async () => ready(await read()), LIVE).toBe(true)
  const first = JSON.stringify(await read())
  await expect.poll(async () => JSON.stringify(await read()), LIVE).not.toBe(first)
}

/** What a story's check gets: its tab, the engine's gallery server, and the running test's `expect`. */
interface StoryCheck {
  page: Page
  gallery: GalleryServer
  expect: ExpectStatic
}

/** Per story: what "shows live data" means for it. */
const STORIES: Record<string, (story: StoryCheck) => Promise<void>> = {
  'demos-notification-centre--for-ada': async ({ page, gallery, expect }) => {
    await gallery.server.publish('user:ada', 'notification', notification('e2e-ada', 'Sent by the e2e test'))
    await waitForText(page, 'Sent by the e2e test')
  },
  'demos-notification-centre--for-grace': async ({ page, gallery, expect }) => {
    await gallery.server.publish('user:grace', 'notification', notification('e2e-grace', 'For grace only'))
    await waitForText(page, 'For grace only')
  },
  'demos-live-dashboard--as-mentor': ({ page, expect }) => changes(expect, () => text(page, 'submissions'), isNumber),
  'demos-live-dashboard--as-admin': ({ page, expect }) => changes(expect, () => text(page, 'submissions'), isNumber),
  'demos-live-dashboard--as-student': async ({ page, expect }) => {
    await expect.poll(() => text(page, 'dashboard-denied'), LIVE).toContain('FORBIDDEN')
  },
  'demos-leaderboard--default': ({ page, expect }) => changes(expect, () => texts(page, '[data-testid="points"]'), someRows),
  'demos-leaderboard--top-three': async ({ page, expect }) => {
    await changes(expect, () => texts(page, '[data-testid="points"]'), someRows)
    expect(await count(page, '[data-testid="leaderboard-row"]')).toBe(3)
  },
  'demos-kanban-board--shared-board': async ({ page, expect }) => {
    // The demo traffic moves a card on board:demo every other second.
    await waitForElement(page, { css: '[data-testid="activity"] li' })
  },
  'demos-kanban-board--private-board': async ({ page, gallery, expect }) => {
    // As grace: who moved a card is the message's stamp (meta.publisher), which server code may set for a user.
    await gallery.server.engine.publish({ channel: 'board:team-7', event: 'card_moved', data: { card: 'card-4', to: 'done' }, publisher: 'user:grace' })
    await waitForElement(page, { css: '[data-testid="column-done"] [data-testid="card-4"][data-by="grace"]' })
  },
  'demos-comments-on-a-track--type-script-track': async ({ page, gallery, expect }) => {
    await gallery.server.publish('comments:typescript', 'comment', { id: 'e2e-c1', author: 'grace', text: 'Live from the server', at: Date.now() })
    await waitForText(page, 'Live from the server')
  },
  'demos-comments-on-a-track--as-grace': async ({ page, gallery, expect }) => {
    await gallery.server.publish('comments:typescript', 'comment', { id: 'e2e-c2', author: 'ada', text: 'Hello grace', at: Date.now() })
    await waitForText(page, 'Hello grace')
  },
  'labs-fallback-lab--default': async ({ page, expect }) => {
    await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(3)
    expect(await text(page, 'transport')).toBe('websocket')
  },
  'labs-tabs-lab--default': async ({ page, expect }) => {
    // Alone in the browser, the tab leads its share.
    await expect.poll(() => text(page, 'inspector-role'), LIVE).toBe('leader')
    await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(3)
  },
  'labs-auth-lab--short-lived-tokens': async ({ page, expect }) => {
    await expect.poll(() => text(page, 'expires-in'), LIVE).toMatch(/^\d+ s$/)
  },
  'tools-connection-inspector--watching-the-leaderboard': async ({ page, expect }) => {
    await waitForText(page, 'leaderboard scores', { within: 'frames' })
    await expect.poll(() => text(page, 'inspector-rtt')).toMatch(/^\d+ ms$/)
  },
}

describeStories((stories) => {
  const { openStory, screenshot } = stories

  describe.sequential('gallery page', () => {
    it('lists every story in the sidebar and shows the selected story with its args', async ({ expect }) => {
      const { page, errors } = await openStory('demos-leaderboard--top-three')
      const listed = await page.evaluate(() => [...document.querySelectorAll('nav a[data-story-id]')].map((link) => link.getAttribute('data-story-id')))
      expect(listed.sort()).toEqual(Object.keys(STORIES).sort())
      expect(await text(page, 'args')).toContain('top3')
      await click(page, { css: 'nav a[data-story-id="demos-live-dashboard--as-mentor"]' })
      await expect.poll(() => attribute(page, { testId: 'story-view' }, 'data-story-id')).toBe('demos-live-dashboard--as-mentor')
      expect(await errors()).toEqual([])
    })
  })

  describe.sequential('every story renders, connects and shows live data', () => {
    it.for(Object.keys(STORIES))('%s', async (id, { expect }) => {
      const { page, errors } = await openStory(id)
      await STORIES[id]!({ page, gallery: stories.gallery, expect })
      expect(await count(page, '[data-testid="story-error"]')).toBe(0)
      await screenshot(page, id)
      expect(await errors()).toEqual([])
    })
  })
})
