import type { Browser, Engine, Page } from '@lifeline/testkit'
import type { Nginx } from '@lifeline/testkit/tools'
import type { BrowserStage, EngineResult } from './browserStage'
import { benchChannel, eventAfter, openBenchPage } from './openBenchPage'

/**
 * N tabs of one browser, each running a client subscribed to one channel: how many server sessions
 * hold that channel, with each tab on its own and with tab sharing. Every tab must then get a
 * message published on the channel, so the count is of working tabs.
 */
export async function connectionsForTabs(browser: Browser, nginx: Nginx, stage: BrowserStage, engine: Engine): Promise<NonNullable<EngineResult['tabs']>> {
  const connections = await sessionsForTabs(browser, nginx, stage, engine, false)
  return { tabs: stage.tabs, connections, shared: await sessionsForTabs(browser, nginx, stage, engine, true) }
}

async function sessionsForTabs(browser: Browser, nginx: Nginx, { server, tabs, options }: BrowserStage, engine: Engine, share: boolean): Promise<number> {
  const tabsChannel = benchChannel(engine, share ? 'shared-tabs' : 'tabs', 0)
  const pages: Page[] = []
  try {
    for (let tab = 0; tab < tabs; tab++) {
      const page = await openBenchPage(browser, nginx, options)
      pages.push(page)
      await page.evaluate(`window.bench.start(${JSON.stringify(tabsChannel)}, ${share})`)
    }
    for (const page of pages) await eventAfter(page, 0, "event.channel === 'subscribed'")
    const publishedAt = Date.now()
    await server.publish(tabsChannel, 'hello', { to: 'every tab' })
    for (const page of pages) await eventAfter(page, publishedAt, 'event.message')
    return server.clients.filter((client) => client.channels.includes(tabsChannel)).length
  } finally {
    for (const page of pages) {
      await page.evaluate('window.bench.stop()').catch(() => undefined)
      await page.close()
    }
  }
}
