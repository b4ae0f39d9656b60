import type { Browser } from '@lifeline/testkit'
import type { Nginx } from '@lifeline/testkit/tools'
import type { BrowserStage, EngineResult } from './browserStage'
import { benchChannel, eventAfter, openBenchPage } from './openBenchPage'

/** Connected over WebSocket with a first message, then the proxy swallows everything: until the client notices, and until messages flow again. */
export async function measureSilentLink(browser: Browser, nginx: Nginx, { proxy, options }: BrowserStage, result: EngineResult, run: number): Promise<void> {
  const page = await openBenchPage(browser, nginx, options)
  try {
    await page.evaluate(`window.bench.start(${JSON.stringify(benchChannel(result.engine, 'silent', run))})`)
    await eventAfter(page, 0, 'event.message')
    const silentAt = Date.now()
    proxy.blackhole()
    const noticed = await eventAfter(page, silentAt, "event.status && event.status !== 'connected'")
    const again = await eventAfter(page, noticed.at, 'event.message')
    result.detected.push(noticed.at - silentAt)
    result.recovered.push(again.at - silentAt)
  } finally {
    await page.evaluate('window.bench.stop()').catch(() => undefined)
    await page.close()
  }
}
