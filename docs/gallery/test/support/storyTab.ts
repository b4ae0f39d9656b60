import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ENGINES, launchBrowser, type Browser, type Engine, type Page } from '@lifeline/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, type ExpectStatic } from 'vitest'
import { startGalleryServer, type GalleryServer } from '../../src/server/startGalleryServer'
import { attribute, text, texts } from './dom'
import { ensureGalleryBuilt, SITE_DIR } from './ensureGalleryBuilt'

const SCREENSHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url))

/** How long a test waits for the server's traffic to show: generous on a shared, busy machine. */
export const LIVE = { timeout: 20_000 }

export interface StoryPage {
  page: Page
  /** Uncaught errors and console errors of the page since the story opened. */
  errors(): Promise<string[]>
}

export interface StoryTab {
  /** The engine's own gallery server: faults and the list of connected clients stay with its tests. */
  readonly gallery: GalleryServer
  /**
   * Shows a story, in the shared tab or (`inNewTab`) in a tab of its own; resolves once it is
   * connected and subscribed. The shared tab reloads when it already shows the same story and
   * args, so every call mounts the story afresh.
   */
  openStory(id: string, args?: Record<string, string>, options?: { inNewTab?: boolean }): Promise<StoryPage>
  /** Saves `page` as screenshots/<engine>/<name>.png. */
  screenshot(page: Page, name: string): Promise<void>
  /** The server's clients authenticated as `user`. */
  clientsOf(user: string): GalleryServer['server']['clients']
}

/** One build per test file, however many engines ask for it at once. */
let built: Promise<void> | undefined

/**
 * Defines a file's tests once per engine. The engines run side by side (each with its own server,
 * browser and tab), their tests one after another in a `describe.sequential`: most of a test is
 * waiting for the server's traffic, which the engines can share.
 */
export function describeStories(define: (stories: StoryTab) => void): void {
  describe.concurrent.each(ENGINES)('%s', (engine) => define(storyTab(engine)))
}

/**
 * Sets up, in the calling `describe`, one engine's gallery server, browser and the tab stories
 * open in one after another, as a user clicking through the sidebar: a change of the hash
 * unmounts the story (its client disconnects) and mounts the next, without a reload. Tabs opened
 * for second and third viewers close after each test, and every fault is lifted.
 */
function storyTab(engine: Engine): StoryTab {
  let gallery: GalleryServer
  let browser: Browser
  let tab: Page
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
    await (built ??= ensureGalleryBuilt())
    await mkdir(`${SCREENSHOTS}${engine}`, { recursive: true })
    gallery = await startGalleryServer({ port: 0, siteDir: SITE_DIR })
    browser = await launchBrowser(engine)
    tab = await browser.newPage()
  }, 300_000)

  afterEach(async () => {
    for (const page of otherTabs.splice(0)) await page.close()
    Object.assign(gallery.server.faults, { refuseWebSocket: false, silenceWebSocket: false, bufferSse: false, dropSse: false, dropPoll: false })
  })

  afterAll(async () => {
    await browser?.close()
    await gallery?.close()
  })

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

  return {
    get gallery() {
      return gallery
    },
    openStory,
    screenshot: (page, name) => page.screenshot(`${SCREENSHOTS}${engine}/${name}.png`),
    clientsOf: (user) => gallery.server.clients.filter((client) => client.user === user),
  }
}
