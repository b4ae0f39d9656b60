import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ENGINES, launchBrowser, type Browser, type Page } from '@lifeline/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, vi, type ExpectStatic } from 'vitest'
import { startGalleryServer, type GalleryServer } from '../src/server/startGalleryServer'
import { attribute, click, count, fill, number, occurrences, text, texts, waitForElement, waitForText, type Target } from './support/dom'
import { ensureGalleryBuilt, SITE_DIR } from './support/ensureGalleryBuilt'

const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url))
const LIVE = { timeout: 20_000 }

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000 })

beforeAll(() => ensureGalleryBuilt(), 180_000)

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

// The engines run side by side (each with its own server, browser and tab), their tests one after
// another: most of a test is waiting for the server's traffic, which the engines can share.
describe.concurrent.each(ENGINES)('%s', (engine) => {
  let gallery: GalleryServer
  let browser: Browser
  /**
   * The tab stories open in one after another, as a user clicking through the sidebar: a change
   * of the hash unmounts the story (its client disconnects) and mounts the next, without a reload.
   */
  let tab: Page
  /** Second and third viewers of a test, closed after it. */
  const otherTabs: Page[] = []
  let reloads = 0
  /**
   * The running test's own `expect`: the engines' tests run side by side, and the global one
   * cannot tell whose test it is in (`expect.poll` throws outside one).
   */
  let expect: ExpectStatic

  beforeEach((context) => {
    expect = context.expect
  })

  beforeAll(async () => {
    await mkdir(`${SCREENSHOTS}${engine}`, { recursive: true })
    // A server per engine: faults and the list of connected clients stay with one engine's tests.
    gallery = await startGalleryServer({ port: 0, siteDir: SITE_DIR })
    browser = await launchBrowser(engine)
    tab = await browser.newPage()
  }, 120_000)

  afterEach(async () => {
    for (const page of otherTabs.splice(0)) await page.close()
    Object.assign(gallery.server.faults, { refuseWebSocket: false, silenceWebSocket: false, bufferSse: false, dropSse: false, dropPoll: false })
  })

  afterAll(async () => {
    await browser?.close()
    await gallery?.close()
  })

  interface StoryPage {
    page: Page
    /** Uncaught errors and console errors of the page since the story opened. */
    errors(): Promise<string[]>
  }

  /**
   * Shows a story, in the shared tab or (`inNewTab`) in a tab of its own; resolves once it is
   * connected and subscribed. The shared tab reloads when it already shows the same story and
   * args, so every call mounts the story afresh.
   */
  async function openStory(id: string, args: Record<string, string> = {}, { inNewTab = false } = {}): Promise<StoryPage> {
    const overrides = Object.entries(args).map(([name, value]) => `${name}:${value}`)
    const hash = `#${id}${overrides.length ? `&args=${overrides.join(';')}` : ''}`
    let page = tab
    if (inNewTab) {
      page = await browser.newPage()
      otherTabs.push(page)
      await page.goto(`${gallery.url}/${hash}`)
    } else {
      const shown = await page.evaluate(() => ({ origin: location.origin, hash: decodeURIComponent(location.hash) }))
      if (shown.origin !== gallery.url) await page.goto(`${gallery.url}/${hash}`)
      else if (shown.hash === hash) await page.goto(`${gallery.url}/?reload=${++reloads}${hash}`)
      else await page.evaluate((next: string) => void (location.hash = next), hash)
    }
    const before = (await page.errors()).length
    await expect.poll(() => attribute(page, { testId: 'story-view' }, 'data-story-id')).toBe(id)
    await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('connected')
    // A message published before the subscription's reply is not for this viewer (it subscribed
    // "from now"), so tests publish only once the story's channels are subscribed.
    await expect.poll(async () => (await texts(page, '[data-testid="channel-status"]')).filter((status) => status !== 'subscribed'), LIVE).toEqual([])
    return { page, errors: async () => (await page.errors()).slice(before) }
  }

  const screenshot = (page: Page, name: string) => page.screenshot(`${SCREENSHOTS}${engine}/${name}.png`)
  const clientsOf = (user: string) => gallery.server.clients.filter((client) => client.user === user)

  describe.sequential('gallery page', () => {
    it('lists every story in the sidebar and shows the selected story with its args', async () => {
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
    it.each(Object.keys(STORIES))('%s', async (id) => {
      const { page, errors } = await openStory(id)
      await STORIES[id]!({ page, gallery, expect })
      expect(await count(page, '[data-testid="story-error"]')).toBe(0)
      await screenshot(page, id)
      expect(await errors()).toEqual([])
    })
  })

  describe.sequential('stories in action', () => {
    it('StrictMode mounts a story twice but the server sees one connection and one subscription', async () => {
      await openStory('demos-leaderboard--default', { user: 'strict-mode-check' })
      await expect.poll(() => clientsOf('strict-mode-check').flatMap((client) => client.channels), LIVE).toEqual(['leaderboard'])
      expect(clientsOf('strict-mode-check')).toHaveLength(1)
    })

    it('notification centre: a new notification raises the unread count and "Mark read" clears it in every tab', async () => {
      const first = await openStory('demos-notification-centre--for-ada', { user: 'nc-reader' })
      const second = await openStory('demos-notification-centre--for-ada', { user: 'nc-reader' }, { inNewTab: true })
      await gallery.server.publish('user:nc-reader', 'notification', notification('n-1', 'Your mentor replied'))
      for (const { page } of [first, second]) await expect.poll(() => text(page, 'unread-count'), LIVE).toBe('1')
      await click(first.page, { button: 'Mark read' })
      for (const { page } of [first, second]) {
        await expect.poll(() => text(page, 'unread-count'), LIVE).toBe('0')
        expect(await attribute(page, { testId: 'notification' }, 'data-read')).toBe('true')
      }
    })

    it('notification centre: away longer than the server history covers, it says some were missed', async () => {
      const user = 'gap-check'
      const { page } = await openStory('demos-notification-centre--for-ada', { user })
      await expect.poll(() => clientsOf(user).flatMap((client) => client.channels), LIVE).toEqual([`user:${user}`])
      // Every transport refused, so the tab is truly away while the history overflows.
      Object.assign(gallery.server.faults, { refuseWebSocket: true, dropSse: true, dropPoll: true })
      for (const client of clientsOf(user)) client.disconnect(4000, 'test: connection lost')
      await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('reconnecting')
      // More than the in-memory history keeps (1,000 per channel), published while the tab is away.
      for (let n = 0; n <= 1000; n++) await gallery.server.publish(`user:${user}`, 'notification', notification(`away-${n}`, `missed ${n}`))
      Object.assign(gallery.server.faults, { refuseWebSocket: false, dropSse: false, dropPoll: false })
      await waitForElement(page, { testId: 'missed' })
      expect(await text(page, 'inspector-status')).toBe('connected')
      await screenshot(page, 'demos-notification-centre--missed')
    })

    it('kanban: a card moved by one user appears in place for another', async () => {
      const linus = await openStory('demos-kanban-board--private-board', { user: 'linus', board: 'e2e-board' })
      const grace = await openStory('demos-kanban-board--private-board', { user: 'grace', board: 'e2e-board' }, { inNewTab: true })
      await click(linus.page, { button: 'move card-2 right' })
      for (const { page } of [linus, grace]) await waitForElement(page, { css: '[data-testid="column-doing"] [data-testid="card-2"][data-by="linus"]' })
      expect(await text(grace.page, 'activity')).toContain('linus moved SSE fallback to doing')
      expect(await text(linus.page, 'activity')).toContain('You moved SSE fallback to doing')
    })

    it('comments: a posted comment appears once for every viewer of the track, and not on another track', async () => {
      const ada = await openStory('demos-comments-on-a-track--type-script-track', { user: 'ada' })
      const grace = await openStory('demos-comments-on-a-track--as-grace', { user: 'grace' }, { inNewTab: true })
      const rust = await openStory('demos-comments-on-a-track--as-grace', { user: 'linus', track: 'rust' }, { inNewTab: true })
      const body = `Nice solution ${Date.now()}`
      await fill(ada.page, 'comment', body)
      await click(ada.page, { button: 'Post' })
      for (const { page } of [ada, grace]) await waitForText(page, body)
      // A later comment arriving proves the first one had its chance to be repeated.
      await gallery.server.publish('comments:typescript', 'comment', { id: 'after', author: 'ken', text: 'after it', at: Date.now() })
      for (const { page } of [ada, grace]) {
        await waitForText(page, 'after it')
        expect(await occurrences(page, body)).toBe(1)
      }
      expect(await occurrences(rust.page, body)).toBe(0)
    })

    // sample: fallback-lab
    it('fallback lab: SSE while WebSocket is blocked, WebSocket again after, and the counter never skips or repeats', async () => {
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

    it('fallback lab: behind a blocked WebSocket and a buffered SSE the client polls and says why; a silenced WebSocket is dropped and replaced; the counter never skips or repeats', async () => {
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

    it('fallback lab: leaving the lab lifts the block it set', async () => {
      const { page } = await openStory('labs-fallback-lab--default')
      await click(page, { testId: 'block-websocket' })
      await expect.poll(() => gallery.server.faults.refuseWebSocket).toBe(true)
      await click(page, { css: 'nav a[data-story-id="demos-leaderboard--default"]' })
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
      expect(await text(page, 'frames')).toContain('refresh')
      await screenshot(page, 'labs-auth-lab--refreshed')

      await click(page, { button: `Revoke ${user}` })
      await expect.poll(() => text(page, 'auth-status'), LIVE).toBe('disconnected')
      expect(await text(page, 'stopped-reason')).toContain('UNAUTHORIZED')
      expect(await count(page, '[data-testid="token-log"] tr[data-outcome="refused"]')).toBe(1)
      expect(gallery.server.clients.filter((client) => client.user === user)).toEqual([])
      await screenshot(page, 'labs-auth-lab--revoked')

      await click(page, { button: 'Restore access and reconnect' })
      await expect.poll(() => text(page, 'auth-status'), LIVE).toBe('connected')
    })
    // end sample
  })
})
