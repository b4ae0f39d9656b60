import { chromium as playwright } from 'playwright-core'
import { DEFAULT_PAGE_SIZE, toPage, type Browser } from './browser'
import { binaryPath } from './engines'
import { freshProfile } from './freshProfile'
import { spawnGroup } from './processGroup'

/**
 * Headless and quiet: no GPU, no sandbox (tests run as root in containers), nothing that phones
 * home or updates itself, and no QUIC, so every request is plain HTTP to loopback.
 */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']

const LAUNCH_TIMEOUT_MS = 30_000

/**
 * Debian's chromium, started by us in its own process group with a fresh profile, driven by
 * playwright-core over the DevTools protocol. Starting it ourselves (not `chromium.launch`) gives
 * the flags above exactly, a profile directory we own, and a process group we can kill.
 */
export async function launchChromium(): Promise<Browser> {
  const profile = await freshProfile('chromium')
  const group = await spawnGroup(binaryPath('chromium', 'chromium'), [...CHROMIUM_FLAGS, `--user-data-dir=${profile.dir}`, '--remote-debugging-port=0', 'about:blank']).catch(async (error) => {
    await profile.remove()
    throw error
  })
  const stop = async () => {
    await group.stop()
    await profile.remove()
  }
  try {
    const [, endpoint] = await group.waitForOutput(/DevTools listening on (ws:\/\/\S+)/, LAUNCH_TIMEOUT_MS)
    const browser = await playwright.connectOverCDP(endpoint!, { timeout: LAUNCH_TIMEOUT_MS })
    // The fresh profile's own context: its pages share storage, like tabs.
    const context = browser.contexts()[0]!
    return {
      engine: 'chromium',
      version: browser.version(),
      profileDir: profile.dir,
      processGroups: [group.pgid],
      async newPage({ width = DEFAULT_PAGE_SIZE.width, height = DEFAULT_PAGE_SIZE.height } = {}) {
        const page = await context.newPage()
        await page.setViewportSize({ width, height })
        return toPage('chromium', {
          goto: async (url) => void (await page.goto(url)),
          run: (expression) => page.evaluate(expression),
          preload: async (script) => (await page.addInitScript(script), true),
          screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
          close: () => page.close(),
        })
      },
      async close() {
        // Disconnects playwright; the browser itself goes with its process group.
        await browser.close().catch(() => undefined)
        await stop()
      },
    }
  } catch (error) {
    await stop()
    throw error
  }
}
