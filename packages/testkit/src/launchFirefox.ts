import puppeteer from 'puppeteer-core'
import { DEFAULT_PAGE_SIZE, toPage, type Browser } from './browser'
import { binaryPath } from './engines'
import { freshProfile } from './freshProfile'
import { scriptDyingWithParent, stopGroup, trackGroup } from './processGroup'

const LAUNCH_TIMEOUT_MS = 30_000

/**
 * Debian's firefox-esr, headless, driven by puppeteer-core over WebDriver BiDi (Firefox speaks it
 * natively: no separate driver). puppeteer writes its automation preferences into our fresh
 * profile and starts Firefox as the leader of its own process group, which we kill on close.
 */
export async function launchFirefox(): Promise<Browser> {
  const profile = await freshProfile('firefox')
  const browser = await puppeteer
    .launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      // puppeteer spawns Firefox itself: through a script that makes it die with this process.
      executablePath: await scriptDyingWithParent(profile.dir, binaryPath('firefox', 'firefox-esr')),
      userDataDir: profile.dir,
      headless: true,
      timeout: LAUNCH_TIMEOUT_MS,
      // A waitFor holds one call for up to its timeout.
      protocolTimeout: 300_000,
      // Our own exit hook kills the group; puppeteer's would add listeners per launch.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    })
    .catch(async (error) => {
      await profile.remove()
      throw error
    })
  const child = browser.process()!
  trackGroup(child.pid!)
  const close = async () => {
    await Promise.race([browser.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000).unref())])
    await stopGroup(child)
    await profile.remove()
  }
  const version = await browser.version().catch(async (error: unknown) => {
    await close()
    throw error
  })
  return {
    engine: 'firefox',
    version: version.replace(/^firefox\//i, ''),
    profileDir: profile.dir,
    processGroups: [child.pid!],
    async newPage({ width = DEFAULT_PAGE_SIZE.width, height = DEFAULT_PAGE_SIZE.height } = {}) {
      // A window of its own: a second tab would be a background tab, with throttled timers and
      // `document.visibilityState` 'hidden'.
      const page = await browser.newPage({ type: 'window' })
      await page.setViewport({ width, height })
      return toPage('firefox', {
        goto: async (url) => void (await page.goto(url)),
        run: (expression) => page.evaluate(expression),
        preload: async (script) => (await page.evaluateOnNewDocument(script), true),
        screenshot: async (path) => void (await page.screenshot({ path: path as `${string}.png`, fullPage: true })),
        close: () => page.close(),
      })
    },
    close,
  }
}
