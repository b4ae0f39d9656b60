import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGalleryServer, type GalleryServer } from '../src/server/startGalleryServer'
import { launchChromium } from './support/browser'
import { ensureGalleryBuilt, SITE_DIR } from './support/ensureGalleryBuilt'

const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url))
const LIVE = { timeout: 20_000 }

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000 })

let gallery: GalleryServer
let browser: Browser
const contexts: BrowserContext[] = []

beforeAll(async () => {
  await ensureGalleryBuilt()
  await mkdir(SCREENSHOTS, { recursive: true })
  gallery = await startGalleryServer({ port: 0, siteDir: SITE_DIR })
  browser = await launchChromium()
}, 180_000)

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close()
  Object.assign(gallery.server.faults, { refuseWebSocket: false, dropSse: false })
})

afterAll(async () => {
  await browser?.close()
  await gallery?.close()
})

interface StoryPage {
  page: Page
  /** Uncaught errors and console errors of the page. */
  errors: string[]
}

/** Opens a story in a fresh browser context (own storage); resolves once connected and subscribed. */
async function openStory(id: string, args: Record<string, string> = {}): Promise<StoryPage> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
  contexts.push(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
  const overrides = Object.entries(args).map(([name, value]) => `${name}:${value}`)
  await page.goto(`${gallery.url}/#${id}${overrides.length ? `&args=${overrides.join(';')}` : ''}`)
  await expect.poll(() => page.getByTestId('story-view').getAttribute('data-story-id')).toBe(id)
  await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('connected')
  // A message published before the subscription's reply is not for this viewer (it subscribed
  // "from now"), so tests publish only once the story's channels are subscribed.
  for (const status of await page.getByTestId('channel-status').all()) await expect.poll(() => status.textContent(), LIVE).toBe('subscribed')
  return { page, errors }
}

function text(page: Page, testId: string): Promise<string | null> {
  return page.getByTestId(testId).first().textContent()
}

async function number(page: Page, testId: string): Promise<number> {
  return Number(await text(page, testId))
}

/** Waits for a first value that `ready` accepts, then for a different one: data that updates on its own. */
async function changes<T>(read: () => Promise<T>, ready: (value: T) => boolean): Promise<void> {
  await expect.poll(async () => ready(await read()), LIVE).toBe(true)
  const first = JSON.stringify(await read())
  await expect.poll(async () => JSON.stringify(await read()), LIVE).not.toBe(first)
}

const isNumber = (value: string | null) => /^\d+$/.test(value ?? '')
const someRows = (rows: string[]) => rows.length > 0

function screenshot(page: Page, id: string): Promise<Buffer> {
  return page.screenshot({ path: `${SCREENSHOTS}${id}.png`, fullPage: true })
}

const notification = (id: string, text: string) => ({ id, text, at: Date.now() })

/** Per story: what "shows live data" means for it. */
const STORIES: Record<string, (page: Page) => Promise<void>> = {
  'demos-notification-centre--for-ada': async (page) => {
    await gallery.server.publish('user:ada', 'notification', notification('e2e-ada', 'Sent by the e2e test'))
    await page.getByText('Sent by the e2e test').waitFor(LIVE)
  },
  'demos-notification-centre--for-grace': async (page) => {
    await gallery.server.publish('user:grace', 'notification', notification('e2e-grace', 'For grace only'))
    await page.getByText('For grace only').waitFor(LIVE)
  },
  'demos-live-dashboard--as-mentor': (page) => changes(() => text(page, 'submissions'), isNumber),
  'demos-live-dashboard--as-admin': (page) => changes(() => text(page, 'submissions'), isNumber),
  'demos-live-dashboard--as-student': async (page) => {
    await expect.poll(() => text(page, 'dashboard-denied'), LIVE).toContain('FORBIDDEN')
  },
  'demos-leaderboard--default': (page) => changes(() => page.getByTestId('points').allTextContents(), someRows),
  'demos-leaderboard--top-three': async (page) => {
    await changes(() => page.getByTestId('points').allTextContents(), someRows)
    expect(await page.getByTestId('leaderboard-row').count()).toBe(3)
  },
  'demos-kanban-board--shared-board': async (page) => {
    // The demo traffic moves a card on board:demo every other second.
    await page.getByTestId('activity').locator('li').first().waitFor(LIVE)
  },
  'demos-kanban-board--private-board': async (page) => {
    await gallery.server.publish('board:team-7', 'card_moved', { card: 'card-4', to: 'done', by: 'grace' })
    await page.getByTestId('column-done').locator('[data-testid="card-4"][data-by="grace"]').waitFor(LIVE)
  },
  'demos-comments-on-a-track--type-script-track': async (page) => {
    await gallery.server.publish('comments:typescript', 'comment', { id: 'e2e-c1', author: 'grace', text: 'Live from the server', at: Date.now() })
    await page.getByText('Live from the server').waitFor(LIVE)
  },
  'demos-comments-on-a-track--as-grace': async (page) => {
    await gallery.server.publish('comments:typescript', 'comment', { id: 'e2e-c2', author: 'ada', text: 'Hello grace', at: Date.now() })
    await page.getByText('Hello grace').waitFor(LIVE)
  },
  'labs-fallback-lab--default': async (page) => {
    await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(3)
    expect(await text(page, 'transport')).toBe('websocket')
  },
  'labs-auth-lab--short-lived-tokens': async (page) => {
    await expect.poll(() => text(page, 'expires-in'), LIVE).toMatch(/^\d+ s$/)
  },
  'tools-connection-inspector--watching-the-leaderboard': async (page) => {
    await page.getByTestId('frames').getByText('leaderboard scores').first().waitFor(LIVE)
    await expect.poll(() => text(page, 'inspector-rtt')).toMatch(/^\d+ ms$/)
  },
}

describe('gallery page', () => {
  it('lists every story in the sidebar and shows the selected story with its args', async () => {
    const { page, errors } = await openStory('demos-leaderboard--top-three')
    const listed = await page.locator('nav a[data-story-id]').evaluateAll((links) => links.map((link) => link.getAttribute('data-story-id')))
    expect(listed.sort()).toEqual(Object.keys(STORIES).sort())
    expect(await page.getByTestId('args').textContent()).toContain('top3')
    await page.locator('nav a[data-story-id="demos-live-dashboard--as-mentor"]').click()
    await expect.poll(() => page.getByTestId('story-view').getAttribute('data-story-id')).toBe('demos-live-dashboard--as-mentor')
    expect(errors).toEqual([])
  })
})

describe('every story renders, connects and shows live data', () => {
  it.each(Object.keys(STORIES))('%s', async (id) => {
    const { page, errors } = await openStory(id)
    await STORIES[id]!(page)
    expect(await page.getByTestId('story-error').count()).toBe(0)
    await screenshot(page, id)
    expect(errors).toEqual([])
  })
})

describe('stories in action', () => {
  it('StrictMode mounts a story twice but the server sees one connection and one subscription', async () => {
    await openStory('demos-leaderboard--default', { user: 'strict-mode-check' })
    await expect.poll(() => gallery.server.clients.filter((client) => client.user === 'strict-mode-check').flatMap((client) => client.channels), LIVE).toEqual(['leaderboard'])
    expect(gallery.server.clients.filter((client) => client.user === 'strict-mode-check')).toHaveLength(1)
  })

  it('notification centre: a new notification raises the unread count and "Mark read" clears it in every tab', async () => {
    const first = await openStory('demos-notification-centre--for-ada', { user: 'nc-reader' })
    const second = await openStory('demos-notification-centre--for-ada', { user: 'nc-reader' })
    await gallery.server.publish('user:nc-reader', 'notification', notification('n-1', 'Your mentor replied'))
    for (const { page } of [first, second]) await expect.poll(() => text(page, 'unread-count'), LIVE).toBe('1')
    await first.page.getByRole('button', { name: 'Mark read' }).click()
    for (const { page } of [first, second]) {
      await expect.poll(() => text(page, 'unread-count'), LIVE).toBe('0')
      expect(await page.getByTestId('notification').getAttribute('data-read')).toBe('true')
    }
  })

  it('notification centre: away longer than the server history covers, it says some were missed', async () => {
    const user = 'gap-check'
    const { page } = await openStory('demos-notification-centre--for-ada', { user })
    await expect.poll(() => gallery.server.clients.find((client) => client.user === user)?.channels, LIVE).toEqual([`user:${user}`])
    Object.assign(gallery.server.faults, { refuseWebSocket: true, dropSse: true })
    for (const client of gallery.server.clients) if (client.user === user) client.disconnect(4000, 'test: connection lost')
    await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('reconnecting')
    // More than the in-memory history keeps (1,000 per channel), published while the tab is away.
    for (let n = 0; n <= 1000; n++) await gallery.server.publish(`user:${user}`, 'notification', notification(`away-${n}`, `missed ${n}`))
    Object.assign(gallery.server.faults, { refuseWebSocket: false, dropSse: false })
    await page.getByTestId('missed').waitFor(LIVE)
    expect(await text(page, 'inspector-status')).toBe('connected')
    await screenshot(page, 'demos-notification-centre--missed')
  })

  it('kanban: a card moved by one user appears in place for another', async () => {
    const linus = await openStory('demos-kanban-board--private-board', { user: 'linus', board: 'e2e-board' })
    const grace = await openStory('demos-kanban-board--private-board', { user: 'grace', board: 'e2e-board' })
    await linus.page.getByRole('button', { name: 'move card-2 right' }).click()
    for (const { page } of [linus, grace]) await page.getByTestId('column-doing').locator('[data-testid="card-2"][data-by="linus"]').waitFor(LIVE)
    expect(await grace.page.getByTestId('activity').textContent()).toContain('linus moved SSE fallback to doing')
    expect(await linus.page.getByTestId('activity').textContent()).toContain('You moved SSE fallback to doing')
  })

  it('comments: a posted comment appears once for every viewer of the track, and not on another track', async () => {
    const ada = await openStory('demos-comments-on-a-track--type-script-track', { user: 'ada' })
    const grace = await openStory('demos-comments-on-a-track--as-grace', { user: 'grace' })
    const rust = await openStory('demos-comments-on-a-track--as-grace', { user: 'linus', track: 'rust' })
    const body = `Nice solution ${Date.now()}`
    await ada.page.getByLabel('comment').fill(body)
    await ada.page.getByRole('button', { name: 'Post' }).click()
    for (const { page } of [ada, grace]) await page.getByText(body).waitFor(LIVE)
    // A later comment arriving proves the first one had its chance to be repeated.
    await gallery.server.publish('comments:typescript', 'comment', { id: 'after', author: 'ken', text: 'after it', at: Date.now() })
    for (const { page } of [ada, grace]) {
      await page.getByText('after it').waitFor(LIVE)
      expect(await page.getByText(body).count()).toBe(1)
    }
    expect(await rust.page.getByText(body).count()).toBe(0)
  })

  // sample: fallback-lab
  it('fallback lab: SSE while WebSocket is blocked, WebSocket again after, and the counter never skips or repeats', async () => {
    const { page, errors } = await openStory('labs-fallback-lab--default')
    const block = page.getByTestId('block-websocket')
    await expect.poll(() => block.isEnabled()).toBe(true)
    expect(await block.getAttribute('aria-pressed')).toBe('false')
    await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(2)

    await block.click()
    await expect.poll(() => block.getAttribute('aria-pressed')).toBe('true')
    await expect.poll(() => text(page, 'transport'), LIVE).toBe('sse')
    const onSse = await number(page, 'message-count')
    await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(onSse + 4)
    await screenshot(page, 'labs-fallback-lab--on-sse')

    await block.click()
    await expect.poll(() => block.getAttribute('aria-pressed')).toBe('false')
    await expect.poll(() => text(page, 'transport'), LIVE).toBe('websocket')
    const back = await number(page, 'message-count')
    await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(back + 4)

    expect(await text(page, 'gap-count')).toBe('0')
    expect(await text(page, 'duplicate-count')).toBe('0')
    expect(await page.getByTestId('switches').locator('li').allTextContents()).toEqual([expect.stringMatching(/websocket$/), expect.stringMatching(/sse$/), expect.stringMatching(/websocket$/)])
    await screenshot(page, 'labs-fallback-lab--back-on-websocket')
    expect(errors.filter((error) => !error.includes('WebSocket'))).toEqual([])
  })
  // end sample

  it('fallback lab: leaving the lab lifts the block it set', async () => {
    const { page } = await openStory('labs-fallback-lab--default')
    await page.getByTestId('block-websocket').click()
    await expect.poll(() => gallery.server.faults.refuseWebSocket).toBe(true)
    await page.locator('nav a[data-story-id="demos-leaderboard--default"]').click()
    await expect.poll(() => gallery.server.faults.refuseWebSocket, LIVE).toBe(false)
  })

  // sample: auth-lab
  it('auth lab: short tokens are refreshed on the open connection, and a revoked user is stopped', async () => {
    const user = 'auth-e2e'
    const { page } = await openStory('labs-auth-lab--short-lived-tokens', { user })
    const [before] = gallery.server.clients.filter((client) => client.user === user)
    expect(before).toBeDefined()

    await expect.poll(() => number(page, 'refresh-count'), LIVE).toBeGreaterThanOrEqual(1)
    expect(await text(page, 'handshake-count')).toBe('1')
    expect(await text(page, 'auth-status')).toBe('connected')
    // The server still holds the same session: the token changed, the connection did not.
    expect(gallery.server.clients.filter((client) => client.user === user).map((client) => client.id)).toEqual([before!.id])
    expect(await page.getByTestId('frames').getByText('refresh').count()).toBeGreaterThan(0)
    await screenshot(page, 'labs-auth-lab--refreshed')

    await page.getByRole('button', { name: `Revoke ${user}` }).click()
    await expect.poll(() => text(page, 'auth-status'), LIVE).toBe('disconnected')
    expect(await text(page, 'stopped-reason')).toContain('UNAUTHORIZED')
    expect(await page.getByTestId('token-log').locator('tr[data-outcome="refused"]').count()).toBe(1)
    expect(gallery.server.clients.filter((client) => client.user === user)).toEqual([])
    await screenshot(page, 'labs-auth-lab--revoked')

    await page.getByRole('button', { name: 'Restore access and reconnect' }).click()
    await expect.poll(() => text(page, 'auth-status'), LIVE).toBe('connected')
  })
  // end sample
})
