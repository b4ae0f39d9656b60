import { createFaultProxy, createServer } from '@lifeline/mock-server'
import { launchBrowser, type Browser } from '@lifeline/testkit'
import { docsLocations, startNginx } from '@lifeline/testkit/tools'
import { AnnouncingBroker } from './announcingBroker'
import { BENCH_JWT_SECRET } from './benchServer'
import type { BenchSection } from './benchSection'
import { browserFailures, browserGoals } from './browserGoals'
import { benchPageHandler } from './browserPage'
import type { BrowserStage, EngineResult } from './browserStage'
import { connectionsForTabs } from './connectionsForTabs'
import { fixed } from './markdownTable'
import { measureProxyFixed } from './measureProxyFixed'
import { measureSilentLink } from './measureSilentLink'
import { benchChannel, openBenchPage } from './openBenchPage'
import type { Profile } from './profile'
import { PROXY_MODES } from './proxyModes'
import { renderBrowser } from './renderBrowser'

/**
 * Lifeline in real browsers through a real nginx (the docs' configuration and broken variants of
 * it) in front of the mock server: connect() to first message per proxy mode, how long a link
 * that goes silent mid-session takes to notice, how long back to WebSocket once the proxy lets
 * upgrades through again, and how many server connections N tabs hold.
 */
export async function runBrowserSuite(profile: Profile, log: (line: string) => void): Promise<BenchSection> {
  const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, broker: new AnnouncingBroker(), fallback: await benchPageHandler() })
  const proxy = await createFaultProxy({ target: server.url })
  const stage: BrowserStage = { server, proxy, docs: await docsLocations(), runs: profile.browserRuns, slowRuns: profile.browserSlowRuns, tabs: profile.browserTabs, options: profile.browserClientOptions, log }
  const results: EngineResult[] = []
  try {
    for (const engine of profile.browserEngines) {
      const result: EngineResult = { engine, firstMessage: [], detected: [], recovered: [], backOnWebSocket: [] }
      results.push(result)
      let browser: Browser | undefined
      try {
        browser = await launchBrowser(engine)
        result.version = browser.version
        log(`browser: ${engine} ${browser.version}`)
        await measureEngine(browser, stage, result)
      } catch (error) {
        result.error = error instanceof Error ? error.message.split('\n')[0] : String(error)
        log(`  ${engine} failed: ${result.error}`)
      } finally {
        await browser?.close()
      }
    }
  } finally {
    await proxy.close()
    await server.close()
  }
  return { title: 'In the browser, through nginx', markdown: renderBrowser(profile, results), goals: browserGoals(profile, results), failures: browserFailures(profile, results) }
}

async function measureEngine(browser: Browser, stage: BrowserStage, result: EngineResult): Promise<void> {
  const { server, proxy, docs, runs, slowRuns, log } = stage
  for (const mode of PROXY_MODES) {
    const row = { mode, times: [] as number[], transports: new Set<string>() }
    result.firstMessage.push(row)
    Object.assign(server.faults, mode.faults)
    const nginx = await startNginx([new URL(server.url).host], { locations: mode.locations(docs) })
    const page = await openBenchPage(browser, nginx, stage.options)
    try {
      // One untimed run per page first: the page's first client pays for compiling the bundle.
      await page.evaluate(`window.bench.firstMessage(${JSON.stringify(benchChannel(result.engine, 'warm-up', 0))})`)
      for (let run = 0; run < runs; run++) {
        const { ms, transport } = await page.evaluate<{ ms: number; transport: string }>(`window.bench.firstMessage(${JSON.stringify(benchChannel(result.engine, 'first', run))})`)
        row.times.push(ms)
        row.transports.add(transport)
      }
      log(`  ${mode.name}: ${row.times.map((ms) => fixed(ms, 0)).join(', ')} ms over ${[...row.transports].join(', ')}`)
    } finally {
      await page.close()
      await nginx.close()
      Object.assign(server.faults, { silenceWebSocket: false, refuseWebSocket: false, bufferSse: false })
    }
  }
  // Mid-session faults happen in the fault proxy between nginx (the docs' configuration) and the server.
  const nginx = await startNginx([new URL(proxy.url).host], { locations: docs })
  try {
    for (let run = 0; run < slowRuns[result.engine]; run++) await measureSilentLink(browser, nginx, stage, result, run)
    log(`  silent link noticed after ${result.detected.map((ms) => fixed(ms, 0)).join(', ')} ms, messages again after ${result.recovered.map((ms) => fixed(ms, 0)).join(', ')} ms`)
    for (let run = 0; run < slowRuns[result.engine]; run++) await measureProxyFixed(browser, nginx, stage, result, run)
    log(`  back on WebSocket ${result.backOnWebSocket.map((ms) => fixed(ms, 0)).join(', ')} ms after the fix`)
    result.tabs = await connectionsForTabs(browser, nginx, stage, result.engine)
    log(`  ${result.tabs.tabs} tabs hold ${result.tabs.connections} server connections, ${result.tabs.shared} with tab sharing`)
  } finally {
    proxy.upgrades = 'pass'
    await nginx.close()
  }
}
