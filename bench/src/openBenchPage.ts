import type { Browser, Engine, Page } from '@lifeline/testkit'
import type { Nginx } from '@lifeline/testkit/tools'

/** Bound on any one wait in a page: past the connect timeout, the liveness window and a reconnect. */
const WAIT_MS = 45_000

/** A channel of its own for each case and run, so no run sees another's messages. */
export const benchChannel = (engine: Engine, what: string, run: number) => `board:${engine}-${what}-${run}-${Date.now().toString(36)}`

/** Opens the benchmark page through `nginx` with the client `options`; resolves once it is ready. */
export async function openBenchPage(browser: Browser, nginx: Nginx, options: Record<string, unknown>): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(`${nginx.url}/?options=${encodeURIComponent(JSON.stringify(options))}`)
  await page.waitFor('() => window.benchReady === true', { timeoutMs: WAIT_MS })
  return page
}

/** What the page records of its session: status and transport changes, messages, channel states. */
export type PageEvent = { at: number; status?: string; transport?: string; channel?: string; message?: true }
export const pageEvents = (page: Page) => page.evaluate<PageEvent[]>('window.session.events')

/** Waits until an event after `since` matches, and answers it. */
export async function eventAfter(page: Page, since: number, match: string): Promise<PageEvent> {
  return page.waitFor<PageEvent>(`() => window.session.events.find((event) => event.at >= ${since} && (${match}))`, { timeoutMs: WAIT_MS })
}
