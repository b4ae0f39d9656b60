import type { Browser } from '@lifeline/testkit'
import type { Nginx } from '@lifeline/testkit/tools'
import type { BrowserStage, EngineResult } from './browserStage'
import { benchChannel, eventAfter, openBenchPage, pageEvents } from './openBenchPage'

/** On SSE because the proxy refuses upgrades; the proxy is fixed: until the client is back on WebSocket. */
export async function measureProxyFixed(browser: Browser, nginx: Nginx, { proxy, options }: BrowserStage, result: EngineResult, run: number): Promise<void> {
  proxy.upgrades = 'refuse'
  const page = await openBenchPage(browser, nginx, options)
  try {
    await page.evaluate(`window.bench.start(${JSON.stringify(benchChannel(result.engine, 'fixed', run))})`)
    await eventAfter(page, 0, "event.transport === 'sse'")
    const fixedAt = Date.now()
    proxy.upgrades = 'pass'
    const back = await eventAfter(page, fixedAt, "event.transport === 'websocket'")
    result.backOnWebSocket.push(back.at - fixedAt)
    const all = await pageEvents(page)
    if (all.some((event) => event.transport && event.at < fixedAt && event.transport !== 'sse')) throw new Error('the client was on another transport than SSE before the fix')
  } finally {
    proxy.upgrades = 'pass'
    await page.evaluate('window.bench.stop()').catch(() => undefined)
    await page.close()
  }
}
