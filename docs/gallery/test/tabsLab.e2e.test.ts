import { ENGINES, launchBrowser, type Browser, type Page } from '@lifeline/testkit'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGalleryServer, type GalleryServer } from '../src/server/startGalleryServer'
import { click, number, text, waitForText } from './support/dom'
import { ensureGalleryBuilt, SITE_DIR } from './support/ensureGalleryBuilt'

const LIVE = { timeout: 20_000 }
const TABS = 3

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 120_000 })

beforeAll(() => ensureGalleryBuilt(), 180_000)

describe.each(ENGINES)('%s', (engine) => {
  let gallery: GalleryServer
  let browser: Browser

  beforeAll(async () => {
    gallery = await startGalleryServer({ port: 0, siteDir: SITE_DIR })
    browser = await launchBrowser(engine)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gallery?.close()
  })

  /** The tab roles the inspectors show, in tab order. */
  const roles = (pages: Page[]) => Promise.all(pages.map((page) => text(page, 'inspector-role')))
  const leaders = async (pages: Page[]) => (await roles(pages)).filter((role) => role === 'leader').length
  /** Every tab's tick counter grew by more than `by`, with no tick lost or repeated. */
  async function ticking(pages: Page[], by = 3): Promise<void> {
    const before = await Promise.all(pages.map((page) => number(page, 'message-count')))
    for (const [index, page] of pages.entries()) await expect.poll(() => number(page, 'message-count'), LIVE).toBeGreaterThan(before[index]! + by)
    for (const page of pages) expect([await text(page, 'gap-count'), await text(page, 'duplicate-count')]).toEqual(['0', '0'])
  }

  it(`tabs lab: ${TABS} tabs of one user, one leader and one server connection; the lab goes on when the leader closes or leaves`, async () => {
    const user = `tabs-lab-${engine}`
    const connections = () => gallery.server.clients.filter((client) => client.user === user)
    const pages: Page[] = []
    try {
      for (let index = 0; index < TABS; index++) {
        const page = await browser.newPage({ width: 1200, height: 800 })
        pages.push(page)
        await page.goto(`${gallery.url}/#labs-tabs-lab--default&args=user:${user}`)
      }
      for (const page of pages) await expect.poll(() => text(page, 'inspector-status'), LIVE).toBe('connected')
      await expect.poll(() => leaders(pages), LIVE).toBe(1)
      expect((await roles(pages)).sort()).toEqual(['follower', 'follower', 'leader'])
      expect(connections()).toHaveLength(1)
      for (const page of pages) await expect.poll(() => text(page, 'server-connections'), LIVE).toBe('1')
      await ticking(pages)

      // A note from a follower goes through the leader, is acknowledged there, and reaches every tab once.
      const follower = pages[(await roles(pages)).indexOf('follower')]!
      await click(follower, { testId: 'post-note' })
      await waitForText(follower, 'acknowledged at offset', { within: 'posted' })
      for (const page of pages) await expect.poll(async () => (await text(page, 'notes'))?.match(/Hello from a follower tab/g)?.length, LIVE).toBe(1)

      // The leader closes: another tab leads, and every counter goes on without a gap or a repeat.
      const leader = pages[(await roles(pages)).indexOf('leader')]!
      await leader.close()
      const rest = pages.filter((page) => page !== leader)
      await expect.poll(() => leaders(rest), LIVE).toBe(1)
      await ticking(rest)
      await expect.poll(() => connections().length, LIVE).toBe(1)

      // The new leader leaves and rejoins: the other tab takes over.
      const next = rest[(await roles(rest)).indexOf('leader')]!
      await click(next, { testId: 'rejoin' })
      await expect.poll(() => text(rest.find((page) => page !== next)!, 'inspector-role'), LIVE).toBe('leader')
      await expect.poll(() => text(next, 'inspector-role'), LIVE).toBe('follower')
      await ticking(rest)
      await expect.poll(() => connections().length, LIVE).toBe(1)
      for (const page of rest) expect(await page.errors()).toEqual([])
    } finally {
      for (const page of pages) await page.close().catch(() => undefined)
    }
  })
})
