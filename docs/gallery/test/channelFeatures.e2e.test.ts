import { ENGINES, launchBrowser, type Browser, type Page } from '@lifeline/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGalleryServer, type GalleryServer } from '../src/server/startGalleryServer'
import { attribute, text, texts } from './support/dom'
import { ensureGalleryBuilt, SITE_DIR } from './support/ensureGalleryBuilt'

// What the channel features look like in the stories: presence between browser pages (each viewer
// of a comment thread or a board sees who else has it open, and sees them go when their page
// closes), history replayed on load (rewind) and the sender the server stamped (meta.publisher).

const LIVE = { timeout: 20_000 }
vi.setConfig({ testTimeout: 60_000 })

beforeAll(() => ensureGalleryBuilt(), 180_000)

/** The users the "Online now" line shows, by the `sub` the server authenticated. */
const online = (page: Page) => page.evaluate(() => [...document.querySelectorAll('[data-testid="online-member"]')].map((member) => member.getAttribute('data-sub')).sort())

describe.each(ENGINES)('%s', (engine) => {
  let gallery: GalleryServer
  let browser: Browser
  const pages: Page[] = []

  beforeAll(async () => {
    gallery = await startGalleryServer({ port: 0, siteDir: SITE_DIR })
    browser = await launchBrowser(engine)
  }, 120_000)

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close()
  })

  afterAll(async () => {
    await browser?.close()
    await gallery?.close()
  })

  /** Opens a story with `args` in a page of its own; resolves once it is connected and subscribed. */
  async function open(id: string, args: Record<string, string>): Promise<Page> {
    const page = await browser.newPage()
    pages.push(page)
    await page.goto(`${gallery.url}/#${id}&args=${Object.entries(args).map(([name, value]) => `${name}:${value}`).join(';')}`)
    await expect.poll(() => attribute(page, { testId: 'story-view' }, 'data-story-id'), LIVE).toBe(id)
    await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('connected')
    await expect.poll(async () => (await texts(page, '[data-testid="channel-status"]')).filter((status) => status !== 'subscribed'), LIVE).toEqual([])
    return page
  }

  it('comments: two pages of two users each show both online, and the one left sees the other go when its page closes', async () => {
    const ada = await open('demos-comments-on-a-track--type-script-track', { user: 'online-ada', track: 'presence' })
    const grace = await open('demos-comments-on-a-track--as-grace', { user: 'online-grace', track: 'presence' })
    for (const page of [ada, grace]) await expect.poll(() => online(page), LIVE).toEqual(['online-ada', 'online-grace'])
    expect(await texts(ada, '[data-testid="online-member"]')).toContain('you')

    await grace.close()
    pages.splice(pages.indexOf(grace), 1)
    await expect.poll(() => online(ada), LIVE).toEqual(['online-ada'])
    expect(await ada.errors()).toEqual([])
  })

  it('dashboard: shows the recent stats on load, more of them than were published since the page opened', async () => {
    const latest = async () => (await gallery.server.engine.broker.history('dashboard')).position.offset
    // The demo publishes stats every second: wait for some history.
    await expect.poll(latest, LIVE).toBeGreaterThanOrEqual(3)
    const before = await latest()
    const page = await open('demos-live-dashboard--as-mentor', { user: 'rewind-mentor' })
    // Without a replay the sparkline could only hold what was published after `before`.
    await expect
      .poll(async () => {
        const points = Number(await attribute(page, { testId: 'sparkline' }, 'data-points'))
        return points > (await latest()) - before
      }, LIVE)
      .toBe(true)
  })

  it('notifications and kanban: the sender is the one the server stamped, whatever the payload says', async () => {
    const page = await open('demos-notification-centre--for-ada', { user: 'stamp-reader' })
    await gallery.server.publish('user:stamp-reader', 'notification', { id: 'n1', text: 'From the backend', at: Date.now(), from: 'your boss' })
    await expect.poll(() => text(page, 'sender'), LIVE).toBe('from the server')
    const board = await open('demos-kanban-board--private-board', { user: 'stamp-linus', board: 'stamps' })
    await gallery.server.engine.publish({ channel: 'board:stamps', event: 'card_moved', data: { card: 'card-1', to: 'doing', by: 'someone else' }, publisher: 'user:grace' })
    await expect.poll(() => attribute(board, { css: '[data-testid="column-doing"] [data-testid="card-1"]' }, 'data-by'), LIVE).toBe('grace')
  })

  it('kanban: a second page of the same user counts as one member with two connections', async () => {
    const first = await open('demos-kanban-board--private-board', { user: 'online-linus', board: 'presence' })
    await expect.poll(() => online(first), LIVE).toEqual(['online-linus'])
    const second = await open('demos-kanban-board--private-board', { user: 'online-linus', board: 'presence' })
    for (const page of [first, second]) await expect.poll(() => texts(page, '[data-testid="online-member"]'), LIVE).toEqual(['you ×2'])
    await second.close()
    pages.splice(pages.indexOf(second), 1)
    await expect.poll(() => texts(first, '[data-testid="online-member"]'), LIVE).toEqual(['you'])
  })
})
