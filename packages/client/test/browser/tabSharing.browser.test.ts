import { createServer, type MockServer, type TransportName } from '@lifeline/mock-server'
import { ENGINES, launchBrowser, type Browser, type Engine, type Page } from '@lifeline/testkit'
import { docsLocations, startNginx, type Nginx } from '@lifeline/testkit/tools'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { publishNumbered, verdict, type Published } from '../reliability/support/tally'
import { recordOf, snapshotOf } from './support/tabRecord'
import { tabsPageServer } from './support/tabsPage'

// Ten tabs of one browser, one user, behind a real nginx: they share one connection through the
// tab that leads, over WebSocket and over SSE (the proxy passes no upgrade). Real browsers on a
// shared machine: wait generously, never assert on speed (the handoff times are printed).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 })

const TABS = 10

/** The docs' WebSocket location without the lines that pass the upgrade on: the client falls back to SSE. */
function withoutUpgrade(locations: string): string {
  const passed = locations.replace(/location = \/ws \{[^}]*\}/, 'location = /ws {\n    proxy_pass http://lifeline;\n}')
  if (passed === locations) throw new Error('docs/nginx/lifeline-locations.conf has no "location = /ws" block any more')
  return passed
}

const MODES: { transport: TransportName; locations(docs: string): string }[] = [
  { transport: 'websocket', locations: (docs) => docs },
  { transport: 'sse', locations: withoutUpgrade },
]

/**
 * How to crash a tab's renderer without its `pagehide`, where the engine has a way: the browser
 * frees the dead tab's locks. Chromium kills the renderer of a tab that opens chrome://crash (each
 * tab opened by the driver has a renderer of its own: the test checks the others live on).
 */
const CRASH_URL: Partial<Record<Engine, string>> = { chromium: 'chrome://crash' }

let servePage: Awaited<ReturnType<typeof tabsPageServer>>

beforeAll(async () => {
  servePage = await tabsPageServer()
}, 180_000)

describe.each(ENGINES)('%s', (engine) => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchBrowser(engine)
  })

  afterAll(() => browser?.close())

  describe.each(MODES)('over $transport through nginx', ({ transport, locations }) => {
    let server: MockServer
    let nginx: Nginx
    let tests = 0

    beforeAll(async () => {
      // A heartbeat far off: nothing but the messages themselves must be needed to get them through.
      server = await createServer({ port: 0, heartbeatMs: 120_000, fallback: servePage })
      nginx = await startNginx([new URL(server.url).host], { locations: locations(await docsLocations()) })
    })

    afterAll(async () => {
      await nginx?.close()
      await server?.close()
    })

    /** A user and a channel of its own for each test, so no test sees another's tabs or messages. */
    function fresh(): { user: string; channel: string } {
      tests += 1
      return { user: `${engine}-${transport}-${tests}`, channel: `board:tabs-${tests}` }
    }

    /**
     * The user's server sessions over the transport in use. A racer that lost (long-polling started
     * because SSE took over `fallbackAfterMs` to open, on a loaded machine) leaves a session that
     * the server keeps until it goes unpolled for `heartbeatMs + pollMs`: not a connection of the tabs.
     */
    const connectionsOf = (user: string) => server.clients.filter((client) => client.user === user && client.transport === transport)
    const expectConnections = (user: string, count: number) => {
      const sessions = server.clients.filter((client) => client.user === user).map(({ transport, channels }) => ({ transport, channels }))
      expect(connectionsOf(user), `sessions of ${user}: ${JSON.stringify(sessions)}`).toHaveLength(count)
    }

    /** Opens `count` tabs of `user` (sharing with `key`) on `channel`, each subscribed. */
    async function openTabs(count: number, user: string, channel: string, key = user): Promise<Page[]> {
      const pages: Page[] = []
      for (let index = 0; index < count; index++) {
        const page = await browser.newPage({ width: 800, height: 600 })
        pages.push(page)
        await page.goto(`${nginx.url}/tabs?sub=${user}&key=${key}&channel=${channel}`)
      }
      for (const page of pages) {
        await page.waitFor(() => window.tabPage?.record.channel?.status === 'subscribed').catch(async (error: Error) => {
          const state = await page.evaluate(() => window.tabPage && { snapshot: window.tabPage.client.getSnapshot(), record: window.tabPage.record })
          throw new Error(`${error.message}\ntab: ${JSON.stringify(state)}\npage errors: ${JSON.stringify(await page.errors())}`)
        })
      }
      return pages
    }

    /** Whether the engine has what sharing needs; where not, each tab connects on its own. */
    const supported = async (pages: Page[]) => (await recordOf(pages[0]!)).supported

    async function leaderOf(pages: Page[]): Promise<Page> {
      const roles = await Promise.all(pages.map(async (page) => (await snapshotOf(page)).role))
      expect(roles.filter((role) => role === 'leader')).toHaveLength(1)
      expect(roles.filter((role) => role === 'follower')).toHaveLength(pages.length - 1)
      return pages[roles.indexOf('leader')]!
    }

    /** Every tab got every published message once, in order, at the positions the server gave them, and no gap. */
    async function expectEveryMessage(pages: Page[], published: Published): Promise<void> {
      for (const page of pages) {
        await page.waitFor((count: number) => window.tabPage.record.received.length >= count, { arg: published.size }).catch(async (error: Error) => {
          const tabs = await Promise.all(pages.map((other) => other.evaluate(() => ({ snapshot: window.tabPage.client.getSnapshot(), channel: window.tabPage.record.channel, received: window.tabPage.record.received.map(({ n }) => n).join(','), gaps: window.tabPage.record.gaps, errors: window.tabPage.record.errors, subscribes: window.tabPage.record.subscribes.join(','), serverCommands: window.tabPage.record.serverCommands.join(',') }))))
          throw new Error(`${error.message}\ntabs: ${JSON.stringify(tabs, null, 1)}\nserver: ${JSON.stringify(server.clients.map(({ user, transport, channels }) => ({ user, transport, channels })))}`)
        })
      }
      for (const page of pages) {
        const record = await recordOf(page)
        const received = record.received.map(({ n }) => n)
        expect(verdict(published, { received, gaps: record.gaps })).toEqual({ published: published.size, delivered: published.size, lost: 0, lostUnannounced: 0, duplicated: 0, reordered: 0 })
        expect(received).toEqual([...published.keys()])
        expect(record.received.map(({ position }) => position)).toEqual([...published.values()])
        expect(record.gaps).toEqual([])
      }
    }

    async function closeAll(pages: Page[]): Promise<void> {
      for (const page of pages) await page.close().catch(() => undefined)
    }

    it(`${TABS} tabs of one user share one connection: every tab gets every message once, in order, and a publish from every tab settles`, async ({ annotate }) => {
      const { user, channel } = fresh()
      const pages = await openTabs(TABS, user, channel)
      try {
        if (!(await supported(pages))) {
          // The documented fallback: without Web Locks or BroadcastChannel, each tab connects on its own.
          expectConnections(user, TABS)
          for (const page of pages) expect((await snapshotOf(page)).role).toBeUndefined()
          await annotate(`${engine} lacks Web Locks or BroadcastChannel: each tab connected on its own`)
          return
        }
        expectConnections(user, 1)
        expect(connectionsOf(user)[0]!.channels).toEqual([channel])
        await leaderOf(pages)
        for (const page of pages) expect(await snapshotOf(page)).toMatchObject({ status: 'connected', transport })

        const published = await publishNumbered(server, channel, 1, 50)
        await expectEveryMessage(pages, published)

        const duplicates = await Promise.all(pages.map((page) => page.evaluate(async () => (await window.tabPage.publish()).duplicate)))
        expect(duplicates).toEqual(Array(TABS).fill(false))
        expectConnections(user, 1)
        for (const page of pages) expect(await page.errors()).toEqual([])
      } finally {
        await closeAll(pages)
      }
    })

    /**
     * Takes the leader away with `end`, publishing before, during and after the handoff; every other
     * tab must get everything. With `back`, the old leader then comes back and must catch up too.
     */
    async function handoff(end: (leader: Page) => Promise<void>, annotate: (message: string) => Promise<unknown>, how: string, back?: (leader: Page) => Promise<void>): Promise<void> {
      const { user, channel } = fresh()
      const pages = await openTabs(TABS, user, channel)
      try {
        expect(await supported(pages)).toBe(true)
        const leader = await leaderOf(pages)
        const rest = pages.filter((page) => page !== leader)
        const published = await publishNumbered(server, channel, 1, 20)
        const endedAt = Date.now()
        await end(leader)
        // Published while the leadership moves: the new leader's subscription replays them.
        await publishNumbered(server, channel, 21, 40, published)
        // The tabs show the old leader's state until the new one speaks: wait for a tab to lead.
        await expect.poll(async () => (await Promise.all(rest.map(snapshotOf))).filter(({ role }) => role === 'leader').length, { timeout: 30_000 }).toBe(1)
        const next = await leaderOf(rest)
        for (const page of rest) await page.waitFor(() => window.tabPage.client.getSnapshot().status === 'connected')
        await publishNumbered(server, channel, 41, 60, published)
        await expectEveryMessage(rest, published)
        const { ledAt } = await recordOf(next)
        // The old leader's connection ends with its tab (the server may take a moment to see it).
        await expect.poll(() => connectionsOf(user).length, { timeout: 30_000 }).toBe(1)
        for (const page of rest) expect(await page.errors()).toEqual([])
        await annotate(`${engine}, ${transport}: ${how}; a new leader ${ledAt.at(-1)! - endedAt} ms later; 60 messages to ${rest.length} tabs, none lost or repeated`)
        if (!back) return
        await back(leader)
        await leader.waitFor(() => window.tabPage.client.getSnapshot().role === 'follower')
        await publishNumbered(server, channel, 61, 70, published)
        await expectEveryMessage(pages, published)
        expect(connectionsOf(user)).toHaveLength(1)
      } finally {
        await closeAll(pages)
      }
    }

    it('closing the leader tab: another tab leads, and every tab still gets each message once, in order', async ({ annotate }) => {
      await handoff((leader) => leader.close(), annotate, 'leader tab closed')
    })

    it('freezing the leader tab (the page lifecycle’s freeze event): it hands over at once, follows on resume and catches up, nothing lost or repeated', async ({ annotate }) => {
      // The event a browser fires before it freezes a page (Chromium for background tabs); the page
      // stays alive here, so it can come back.
      const fire = (type: string) => (page: Page) => page.evaluate((name: string) => void document.dispatchEvent(new Event(name)), type)
      await handoff(fire('freeze'), annotate, 'leader tab frozen', fire('resume'))
    })

    const crashUrl = CRASH_URL[engine]
    if (crashUrl) {
      it('crashing the leader tab (no pagehide; the browser frees its locks): another tab leads, nothing lost or repeated', async ({ annotate }) => {
        await handoff((leader) => leader.goto(crashUrl).catch(() => undefined), annotate, `leader tab crashed (${crashUrl})`)
      })
    }

    it('tabs with different keys do not share: one connection per key', async () => {
      const { user, channel } = fresh()
      const ada = await openTabs(3, `${user}-a`, channel)
      const grace = await openTabs(3, `${user}-b`, channel)
      try {
        const expected = (await supported(ada)) ? 1 : 3
        expectConnections(`${user}-a`, expected)
        expectConnections(`${user}-b`, expected)
        if (expected === 1) {
          await leaderOf(ada)
          await leaderOf(grace)
        }
        const published = await publishNumbered(server, channel, 1, 10)
        await expectEveryMessage([...ada, ...grace], published)
      } finally {
        await closeAll([...ada, ...grace])
      }
    })
  })
})
