import { createServer, type Faults, type MockServer, type TransportName } from '@lifeline/mock-server'
import { ENGINES, launchBrowser, type Browser, type Page } from '@lifeline/testkit'
import { docsLocations, startNginx, type Nginx } from '@lifeline/testkit/tools'
import { afterAll, beforeAll, describe, it, vi } from 'vitest'
import type { Diagnosis, Gap } from '../../src/index'
import { publishNumbered, verdict } from '../reliability/support/tally'
import { ensureClientBuilt, serveClientPage } from './support/clientPage'

// Real browsers and nginx on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

/** Anyone signed in may subscribe and publish here (the mock server's default channel rules). */
const CHANNEL = 'board:numbers'

/**
 * The docs' WebSocket location without the lines that pass the upgrade on: nginx then forwards a
 * plain GET (HTTP/1.0, no `Upgrade` header), the server answers it with an HTTP error, and the
 * browser's handshake fails. The most common way a proxy breaks WebSocket.
 */
function withoutUpgrade(locations: string): string {
  const passed = locations.replace(/location = \/ws \{[^}]*\}/, 'location = /ws {\n    proxy_pass http://lifeline;\n}')
  if (passed === locations) throw new Error('docs/nginx/lifeline-locations.conf has no "location = /ws" block any more')
  return passed
}

/**
 * The docs' SSE location turned into a buffering one: buffering on, the server's
 * `X-Accel-Buffering: no` ignored, and the event stream gzipped (nginx's gzip_types at the http
 * level list text/event-stream). No event reaches the browser until buffers fill or the stream
 * ends; the ticket and upstream POSTs, complete responses, still pass.
 */
function buffered(locations: string): string {
  const replaced = locations.replace('proxy_buffering off;', 'proxy_buffering on;\n    proxy_ignore_headers X-Accel-Buffering;').replace('gzip off;', 'gzip on;')
  if (!replaced.includes('proxy_buffering on;') || !replaced.includes('gzip on;')) throw new Error('docs/nginx/lifeline-locations.conf no longer turns off buffering and gzip for /sse')
  return replaced
}

interface ProxyMode {
  name: string
  /** What nginx serves in front of the server: the docs' locations, or a variant of them. */
  locations(docs: string): string
  /** Faults of the server behind nginx. */
  faults?: Partial<Faults>
  /** The transport every message must arrive over. */
  transport: TransportName
  /**
   * What the client finds out about the better transports that do not work here: each is reported
   * as an `error` event, and the snapshot's `diagnosis` names the latest (a background probe of
   * WebSocket may find its reason again at any time).
   */
  reports: Diagnosis[]
}

/** One row per proxy setup. */
const MODES: ProxyMode[] = [
  { name: 'good', locations: (docs) => docs, transport: 'websocket', reports: [] },
  { name: 'no-upgrade', locations: withoutUpgrade, transport: 'sse', reports: ['UPGRADE_REFUSED'] },
  // The upgrade passes nginx, then nothing comes back: no connect reply, SSE takes over.
  { name: 'silent-upgrade', locations: (docs) => docs, faults: { silenceWebSocket: true }, transport: 'sse', reports: ['WEBSOCKET_SILENT'] },
  // A proxy that passes no upgrade and buffers (and compresses) the event stream: only complete
  // responses get through, so the client polls.
  { name: 'buffered', locations: (docs) => withoutUpgrade(buffered(docs)), transport: 'long-polling', reports: ['UPGRADE_REFUSED', 'SSE_BUFFERED'] },
]

interface PageRecord {
  received: { n: number; position: { epoch: string; offset: number } }[]
  gaps: Gap[]
  transports: TransportName[]
  errors: string[]
  channel: { status: string; error?: string } | undefined
  subscribedAfterMs: number | undefined
}

declare global {
  interface Window {
    lifeline: {
      record: PageRecord
      client: { getSnapshot(): { status: string; transport?: TransportName; diagnosis?: string }; stats(): { reconnects: number } }
      publish(): Promise<{ duplicate: boolean }>
    }
  }
}

const readRecord = (page: Page) => page.evaluate(() => window.lifeline.record)

beforeAll(() => ensureClientBuilt(), 180_000)

// The engines run side by side, each with its own browser, servers and nginx; the modes of one
// engine one after another.
describe.concurrent.each(ENGINES)('%s', (engine) => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchBrowser(engine)
  })

  afterAll(() => browser?.close())

  describe.sequential.each(MODES)('behind nginx, $name', (mode) => {
    let server: MockServer
    let nginx: Nginx

    beforeAll(async () => {
      // A heartbeat far off: a message held back by the proxy would wait for it and fail the test.
      server = await createServer({ port: 0, heartbeatMs: 120_000, fallback: serveClientPage })
      Object.assign(server.faults, mode.faults)
      nginx = await startNginx([new URL(server.url).host], { locations: mode.locations(await docsLocations()) })
    })

    afterAll(async () => {
      await nginx?.close()
      await server?.close()
    })

    it(`the built client gets every message once, in order, over ${mode.transport}, and publishes`, async ({ annotate, expect }) => {
      const page = await browser.newPage()
      try {
        await page.goto(`${nginx.url}/?sub=${engine}-${mode.name}&channel=${CHANNEL}`)
        await page.waitFor(() => window.lifeline?.record.subscribedAfterMs !== undefined).catch(async (error: Error) => {
          const state = await page.evaluate(() => window.lifeline && { snapshot: window.lifeline.client.getSnapshot(), record: window.lifeline.record })
          throw new Error(`${error.message}\nclient: ${JSON.stringify(state)}\npage errors: ${JSON.stringify(await page.errors())}`)
        })
        expect(await page.evaluate(() => window.lifeline.client.getSnapshot())).toMatchObject({ status: 'connected', transport: mode.transport })
        // A slower transport can win the race before a stalled better one is given up (after
        // connectTimeoutMs): its report may come after the subscription.
        await page.waitFor((reports: string[]) => reports.every((code) => window.lifeline.record.errors.includes(code)), { arg: mode.reports })

        const published = await publishNumbered(server, CHANNEL, 1, 50)
        await page.waitFor((count: number) => window.lifeline.record.received.length >= count, { arg: 50 })
        // One lone message, nothing after it: it must pass the proxy on its own.
        await publishNumbered(server, CHANNEL, 51, 51, published)
        await page.waitFor((count: number) => window.lifeline.record.received.length >= count, { arg: 51 })

        const record = await readRecord(page)
        const received = record.received.map(({ n }) => n)
        expect(verdict(published, { received, gaps: record.gaps })).toEqual({ published: 51, delivered: 51, lost: 0, lostUnannounced: 0, duplicated: 0, reordered: 0 })
        expect(received).toEqual([...published.keys()])
        // The positions the page saw are the ones the server gave the messages.
        expect(record.received.map(({ position }) => position)).toEqual([...published.values()])
        expect(record.transports).toEqual([mode.transport])

        expect(await page.evaluate(async () => (await window.lifeline.publish()).duplicate)).toBe(false)
        expect(await page.evaluate(() => window.lifeline.client.stats().reconnects)).toBe(0)
        const snapshot = await page.evaluate(() => window.lifeline.client.getSnapshot())
        expect(snapshot).toMatchObject({ status: 'connected', transport: mode.transport })
        // Nothing else went wrong: every error was a finding about a transport that cannot work here.
        expect(new Set(record.errors)).toEqual(new Set(mode.reports))
        if (mode.reports.length) expect(mode.reports).toContain(snapshot.diagnosis)
        else expect(snapshot.diagnosis).toBeUndefined()
        expect(await page.errors()).toEqual([])
        await annotate(`${engine}, ${mode.name}: subscribed over ${mode.transport} ${record.subscribedAfterMs} ms after the page started`)
      } finally {
        await page.close()
      }
    })
  })
})
