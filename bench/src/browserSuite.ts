import { createFaultProxy, createServer, type FaultProxy, type MockServer } from '@lifeline/mock-server'
import { launchBrowser, type Browser, type Engine, type Page } from '@lifeline/testkit'
import { docsLocations, startNginx, type Nginx } from '../../packages/client/test/support/nginx'
import { AnnouncingBroker } from './announcingBroker'
import { BENCH_JWT_SECRET } from './benchServer'
import type { BenchSection, GoalVerdict } from './benchSection'
import { benchPageHandler } from './browserPage'
import { fixed, markdownTable, whole } from './markdownTable'
import type { Profile } from './profile'
import { PROXY_MODES, type ProxyMode } from './proxyModes'
import { showSpread, spreadOf } from './spread'

/** Bound on any one wait in a page: past the connect timeout, the liveness window and a reconnect. */
const WAIT_MS = 45_000

interface EngineResult {
  engine: Engine
  version?: string
  firstMessage: { mode: ProxyMode; times: number[]; transports: Set<string> }[]
  /** Silent link: when the client noticed, and when messages came again (ms after it went silent). */
  detected: number[]
  recovered: number[]
  /** Proxy fixed: when the client was back on WebSocket (ms after the fix). */
  backOnWebSocket: number[]
  /** Server sessions for N tabs, each tab on its own and with tab sharing (undefined: not built). */
  tabs?: { tabs: number; connections: number; shared: number | undefined }
  error?: string
}

interface Stage {
  server: MockServer
  proxy: FaultProxy
  docs: string
  runs: number
  slowRuns: Profile['browserSlowRuns']
  tabs: number
  /** Client options for the page (the smoke run shortens the timers); empty: the defaults. */
  options: Record<string, unknown>
  log(line: string): void
}

/**
 * Lifeline in real browsers through a real nginx (the docs' configuration and broken variants of
 * it) in front of the mock server: connect() to first message per proxy mode, how long a link
 * that goes silent mid-session takes to notice, how long back to WebSocket once the proxy lets
 * upgrades through again, and how many server connections N tabs hold.
 */
export async function runBrowserSuite(profile: Profile, log: (line: string) => void): Promise<BenchSection> {
  const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, broker: new AnnouncingBroker(), fallback: await benchPageHandler() })
  const proxy = await createFaultProxy({ target: server.url })
  const stage: Stage = { server, proxy, docs: await docsLocations(), runs: profile.browserRuns, slowRuns: profile.browserSlowRuns, tabs: profile.browserTabs, options: profile.browserClientOptions, log }
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
  return { title: 'In the browser, through nginx', markdown: render(profile, results), goals: goals(profile, results), failures: failures(profile, results) }
}

async function measureEngine(browser: Browser, stage: Stage, result: EngineResult): Promise<void> {
  const { server, proxy, docs, runs, slowRuns, log } = stage
  for (const mode of PROXY_MODES) {
    const row = { mode, times: [] as number[], transports: new Set<string>() }
    result.firstMessage.push(row)
    Object.assign(server.faults, mode.faults)
    const nginx = await startNginx([new URL(server.url).host], { locations: mode.locations(docs) })
    const page = await openPage(browser, nginx, stage.options)
    try {
      // One untimed run per page first: the page's first client pays for compiling the bundle.
      await page.evaluate(`window.bench.firstMessage(${JSON.stringify(channel(result.engine, 'warm-up', 0))})`)
      for (let run = 0; run < runs; run++) {
        const { ms, transport } = await page.evaluate<{ ms: number; transport: string }>(`window.bench.firstMessage(${JSON.stringify(channel(result.engine, 'first', run))})`)
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
    for (let run = 0; run < slowRuns[result.engine]; run++) await silentLink(browser, nginx, stage, result, run)
    log(`  silent link noticed after ${result.detected.map((ms) => fixed(ms, 0)).join(', ')} ms, messages again after ${result.recovered.map((ms) => fixed(ms, 0)).join(', ')} ms`)
    for (let run = 0; run < slowRuns[result.engine]; run++) await proxyFixed(browser, nginx, stage, result, run)
    log(`  back on WebSocket ${result.backOnWebSocket.map((ms) => fixed(ms, 0)).join(', ')} ms after the fix`)
    result.tabs = await connectionsForTabs(browser, nginx, stage, result.engine)
    log(`  ${result.tabs.tabs} tabs hold ${result.tabs.connections} server connections, ${result.tabs.shared ?? 'n/a'} with tab sharing`)
  } finally {
    proxy.upgrades = 'pass'
    await nginx.close()
  }
}

const channel = (engine: Engine, what: string, run: number) => `board:${engine}-${what}-${run}-${Date.now().toString(36)}`

async function openPage(browser: Browser, nginx: Nginx, options: Record<string, unknown>): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(`${nginx.url}/?options=${encodeURIComponent(JSON.stringify(options))}`)
  await page.waitFor('() => window.benchReady === true', { timeoutMs: WAIT_MS })
  return page
}

type Event = { at: number; status?: string; transport?: string; message?: true }
const events = (page: Page) => page.evaluate<Event[]>('window.session.events')

/** Waits until an event after `since` matches, and answers it. */
async function eventAfter(page: Page, since: number, match: string): Promise<Event> {
  const found = await page.waitFor<Event>(`() => window.session.events.find((event) => event.at >= ${since} && (${match}))`, { timeoutMs: WAIT_MS })
  return found
}

/** Connected over WebSocket with a first message, then the proxy swallows everything: until the client notices, and until messages flow again. */
async function silentLink(browser: Browser, nginx: Nginx, { proxy, options }: Stage, result: EngineResult, run: number): Promise<void> {
  const page = await openPage(browser, nginx, options)
  try {
    await page.evaluate(`window.bench.start(${JSON.stringify(channel(result.engine, 'silent', run))})`)
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

/** On SSE because the proxy refuses upgrades; the proxy is fixed: until the client is back on WebSocket. */
async function proxyFixed(browser: Browser, nginx: Nginx, { proxy, options }: Stage, result: EngineResult, run: number): Promise<void> {
  proxy.upgrades = 'refuse'
  const page = await openPage(browser, nginx, options)
  try {
    await page.evaluate(`window.bench.start(${JSON.stringify(channel(result.engine, 'fixed', run))})`)
    await eventAfter(page, 0, "event.transport === 'sse'")
    const fixedAt = Date.now()
    proxy.upgrades = 'pass'
    const back = await eventAfter(page, fixedAt, "event.transport === 'websocket'")
    result.backOnWebSocket.push(back.at - fixedAt)
    const all = await events(page)
    if (all.some((event) => event.transport && event.at < fixedAt && event.transport !== 'sse')) throw new Error('the client was on another transport than SSE before the fix')
  } finally {
    proxy.upgrades = 'pass'
    await page.evaluate('window.bench.stop()').catch(() => undefined)
    await page.close()
  }
}

/**
 * N tabs of one browser, each running a client subscribed to one channel: how many server sessions
 * hold that channel, with each tab on its own and with tab sharing (when the client has it). Every
 * tab must then get a message published on the channel, so the count is of working tabs.
 */
async function connectionsForTabs(browser: Browser, nginx: Nginx, stage: Stage, engine: Engine): Promise<{ tabs: number; connections: number; shared: number | undefined }> {
  const connections = await sessionsForTabs(browser, nginx, stage, engine, false)
  const sharing = await openPage(browser, nginx, stage.options).then(async (page) => {
    try {
      return await page.evaluate<boolean>('window.benchSharing')
    } finally {
      await page.close()
    }
  })
  return { tabs: stage.tabs, connections, shared: sharing ? await sessionsForTabs(browser, nginx, stage, engine, true) : undefined }
}

async function sessionsForTabs(browser: Browser, nginx: Nginx, { server, tabs, options }: Stage, engine: Engine, share: boolean): Promise<number> {
  const tabsChannel = channel(engine, share ? 'shared-tabs' : 'tabs', 0)
  const pages: Page[] = []
  try {
    for (let tab = 0; tab < tabs; tab++) {
      const page = await openPage(browser, nginx, options)
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

function render(profile: Profile, results: EngineResult[]): string {
  const firstRows = results.flatMap((result) =>
    result.firstMessage.map((row) => [`${result.engine} ${result.version ?? ''}`.trim(), row.mode.name, [...row.transports].join(', ') || 'n/a', whole(row.times.length), showSpread(spreadOf(row.times), 0)]),
  )
  const sessionRows = results.map((result) => [
    `${result.engine}${result.error ? ` (failed: ${result.error})` : ''}`,
    showSpread(spreadOf(result.detected), 0),
    showSpread(spreadOf(result.recovered), 0),
    showSpread(spreadOf(result.backOnWebSocket), 0),
    result.tabs ? `${result.tabs.connections} for ${result.tabs.tabs} tabs; with tab sharing ${result.tabs.shared ?? 'not built'}` : 'n/a',
  ])
  return [
    `Real browsers driven by @lifeline/testkit (${profile.browserEngines.join(', ')}; each page in its own window, never a throttled background tab) load a page from the mock server through a private nginx (Debian's package) running the docs' configuration (\`docs/nginx\`) or a broken variant of it. The page runs \`RealtimeClient\` bundled from its sources for the browser, with ${Object.keys(profile.browserClientOptions).length ? `the options \`${JSON.stringify(profile.browserClientOptions)}\`` : 'default options'} and \`storage: null\` (every run is a first visit); each page first makes one untimed run. The mock server publishes one message right after each subscription. Everything is on loopback, in the benchmark process and its children (not pinned): ${profile.browserRuns} run(s) per case of connect() to first message, ${profile.browserEngines.map((engine) => `${profile.browserSlowRuns[engine]} in ${engine}`).join(', ')} of each mid-session case; median (min–max).`,
    '',
    '### connect() to the first message',
    '',
    markdownTable(['Browser', 'Proxy', 'Ended on', 'Runs', 'ms'], firstRows),
    '',
    '### Mid-session',
    '',
    'Here nginx (the docs\' configuration) passes everything to a fault proxy in front of the server. *Silent link*: connected over WebSocket, then the fault proxy swallows every byte of the open connections without closing them (a lost NAT mapping, a sleeping laptop); times from that moment until the client reports the connection lost (it pings once the link has been quiet for most of `livenessMs`, 10 s by default, and gives up at 10 s) and until a message arrives again over a new connection. *Proxy fixed*: the fault proxy refuses upgrades (403) until the client runs on SSE, then passes them again; time until the client is back on WebSocket (it probes WebSocket again after a jittered 2.5–5 s, `upgradeDelay`, doubling while it fails). *Tabs*: server sessions holding a channel while N tabs of one browser each run a client subscribed to it, each tab on its own and with \`share: tabSharing({ key })\` (\`@lifeline/client/tabs\`); every tab must then receive a message published on that channel.',
    '',
    markdownTable(['Browser', 'Silent link noticed after, ms', 'Messages again after, ms', 'Back on WebSocket after the fix, ms', 'Server connections'], sessionRows),
  ].join('\n')
}

function goals(profile: Profile, results: EngineResult[]): GoalVerdict[] {
  const counted = results.filter((result) => result.tabs)
  const shared = counted.map((result) => result.tabs!.shared)
  const built = shared.length > 0 && shared.every((count) => count !== undefined)
  return [
    {
      goal: `Server connections for ${profile.browserTabs} tabs of one browser, with tab sharing`,
      target: '1',
      measured: counted.length ? counted.map((result) => `${result.engine}: ${result.tabs!.shared ?? 'not built'} (${result.tabs!.connections} without)`).join(', ') : 'n/a',
      verdict: !counted.length ? 'not measured' : !built ? 'not built' : shared.every((count) => count === 1) ? 'met' : 'missed',
    },
  ]
}

function failures(profile: Profile, results: EngineResult[]): string[] {
  const found: string[] = []
  for (const result of results) {
    const where = `browser, ${result.engine}`
    if (result.error) found.push(`${where}: ${result.error}`)
    for (const row of result.firstMessage) {
      const wrong = [...row.transports].filter((transport) => transport !== row.mode.endsOn)
      if (wrong.length) found.push(`${where}, ${row.mode.name}: ended on ${wrong.join(', ')}, not ${row.mode.endsOn}`)
    }
    if (!result.error && result.firstMessage.some((row) => row.times.length < profile.browserRuns)) found.push(`${where}: a case has fewer runs than ${profile.browserRuns}`)
  }
  return found
}
