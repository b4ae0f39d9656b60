import type { Browser } from './browser'
import { launchChromium } from './launchChromium'
import { assertInstalled, type Engine } from './engines'
import { launchFirefox } from './launchFirefox'
import { launchWebKit } from './launchWebKit'

const LAUNCHERS: Record<Engine, () => Promise<Browser>> = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit }

/**
 * Starts `engine` with a fresh profile. Throws at once, naming the apt package, when its binaries
 * are missing. Always `close()` it (an `afterAll`): that kills every process it started.
 * @example
 * describe.each(ENGINES)('%s', (engine) => {
 *   let browser: Browser
 *   beforeAll(async () => (browser = await launchBrowser(engine)))
 *   afterAll(() => browser?.close())
 *   it('shows the title', async () => {
 *     const page = await browser.newPage()
 *     await page.goto(url)
 *     expect(await page.evaluate(() => document.title)).toBe('Lifeline')
 *   })
 * })
 */
export async function launchBrowser(engine: Engine): Promise<Browser> {
  assertInstalled(engine)
  return LAUNCHERS[engine]()
}
