import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_PAGE_SIZE, toPage, type Browser } from './browser'
import { binaryPath } from './engines'
import { freePort } from './freePort'
import { freshProfile } from './freshProfile'
import { spawnGroup } from './processGroup'
import { newSession } from './webDriverSession'
import { startXvfb } from './startXvfb'

const READY_TRIES = 200
const READY_PAUSE_MS = 50
/** A `waitFor` holds one script call for up to its own timeout. */
const SCRIPT_TIMEOUT_MS = 300_000

async function waitUntilServing(url: string): Promise<void> {
  for (let attempt = 0; attempt < READY_TRIES; attempt++) {
    const ready = await fetch(`${url}/status`).then(
      (response) => response.ok,
      () => false,
    )
    if (ready) return
    await new Promise((resolve) => setTimeout(resolve, READY_PAUSE_MS))
  }
  throw new Error(`WebKitWebDriver did not answer on ${url} within ${(READY_TRIES * READY_PAUSE_MS) / 1000} s`)
}

/**
 * WebKitGTK's MiniBrowser (Debian webkit2gtk-driver) driven by WebKitWebDriver over classic
 * WebDriver, drawing into a private Xvfb. Xvfb and the driver (which starts MiniBrowser and its
 * web and network processes) each lead a process group; `close()` kills both.
 */
export async function launchWebKit(): Promise<Browser> {
  const profile = await freshProfile('webkit')
  // Undone in reverse order by stop(), also when the launch fails half way.
  const cleanup: (() => Promise<void>)[] = [() => profile.remove()]
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined)
  }
  try {
    const xvfb = await startXvfb()
    cleanup.push(() => xvfb.group.stop())
    const port = await freePort()
    const env = {
      ...process.env,
      DISPLAY: xvfb.display,
      // Everything MiniBrowser would keep (settings, caches, storage) goes to the fresh profile.
      HOME: profile.dir,
      XDG_CONFIG_HOME: join(profile.dir, 'config'),
      XDG_CACHE_HOME: join(profile.dir, 'cache'),
      XDG_DATA_HOME: join(profile.dir, 'data'),
      // No accessibility bus: without a session D-Bus, GTK would wait for it on every window.
      NO_AT_BRIDGE: '1',
      GTK_A11Y: 'none',
    }
    const driver = await spawnGroup(binaryPath('webkit', 'WebKitWebDriver'), [`--port=${port}`, '--host=127.0.0.1'], env)
    cleanup.push(() => driver.stop())
    const driverUrl = `http://127.0.0.1:${port}`
    await waitUntilServing(driverUrl)
    const session = await newSession(driverUrl, {
      'webkitgtk:browserOptions': { binary: binaryPath('webkit', 'MiniBrowser'), args: ['--automation'] },
      timeouts: { script: SCRIPT_TIMEOUT_MS, pageLoad: 60_000, implicit: 0 },
    })
    cleanup.push(() => Promise.race([session.delete(), new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]))
    // The first window stays open (blank) until close(): closing a session's last window ends the session.
    const home = await session.command<string>('GET', '/window')

    return {
      engine: 'webkit',
      version: String(session.capabilities.browserVersion),
      profileDir: profile.dir,
      processGroups: [xvfb.group.pgid, driver.pgid],
      async newPage({ width = DEFAULT_PAGE_SIZE.width, height = DEFAULT_PAGE_SIZE.height } = {}) {
        const { handle } = await session.inWindow(home, () => session.command<{ handle: string }>('POST', '/window/new', { type: 'window' }))
        const inPage = <T>(commands: () => Promise<T>) => session.inWindow(handle, commands)
        await inPage(() => session.command('POST', '/window/rect', { width, height }))
        const run = (expression: string) => session.command('POST', '/execute/sync', { script: `return (${expression})`, args: [] })
        return toPage('webkit', {
          goto: (url) => inPage(async () => void (await session.command('POST', '/url', { url }))),
          run: (expression) => inPage(() => run(expression)),
          // Classic WebDriver has no scripts that run before the page's own.
          preload: async () => false,
          screenshot: (path) => inPage(async () => writeFile(path, Buffer.from(await session.command<string>('GET', '/screenshot'), 'base64'))),
          close: () => inPage(() => session.command('DELETE', '/window')).then(() => undefined),
        })
      },
      close: stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
