import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ENGINES, launchBrowser, livingMembers, type Browser } from '../src/index'

// Real browsers on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

/** Two pages: one that counts up on its own, one that throws once loaded. */
const PAGES: Record<string, string> = {
  '/': `<!doctype html><title>testkit</title><p id="count">0</p>
<script>let n = 0; const timer = setInterval(() => { n += 1; document.getElementById('count').textContent = String(n); if (n === 5) clearInterval(timer) }, 20)</script>`,
  '/throws': `<!doctype html><title>throws</title><button onclick="throw new Error('clicked and threw')">x</button>`,
}

let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((request, response) => {
    const page = PAGES[new URL(request.url!, 'http://x').pathname]
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(page ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})

afterAll(() => new Promise((resolve) => server?.close(resolve)))

describe('a missing browser', () => {
  it('fails at once with the command that installs it', async () => {
    vi.stubEnv('FIREFOX_PATH', '/nowhere/firefox-esr')
    try {
      await expect(launchBrowser('firefox')).rejects.toThrow('firefox-esr not found at /nowhere/firefox-esr: apt-get install -y firefox-esr')
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('names the package of each program WebKit needs', async () => {
    vi.stubEnv('XVFB_PATH', '/nowhere/Xvfb')
    try {
      await expect(launchBrowser('webkit')).rejects.toThrow('Xvfb not found at /nowhere/Xvfb: apt-get install -y xvfb')
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('rejects an engine it does not know', async () => {
    await expect(launchBrowser('safari' as never)).rejects.toThrow(TypeError)
  })
})

describe.each(ENGINES)('%s', (engine) => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchBrowser(engine)
  })

  afterAll(() => browser?.close())

  it('reports its engine and version', async ({ annotate }) => {
    await annotate(`${engine} ${browser.version}`)
    expect(browser.engine).toBe(engine)
    expect(browser.version).toMatch(/^\d+\.\d+/)
    expect(existsSync(browser.profileDir)).toBe(true)
  })

  it('loads a page, evaluates functions with an argument and expressions, and waits for the page to change', async () => {
    const page = await browser.newPage()
    await page.goto(`${origin}/`)
    expect(await page.evaluate(() => document.title)).toBe('testkit')
    expect(await page.evaluate((arg: { a: number; b: number[] }) => arg.a + arg.b.length, { a: 40, b: [1, 2] })).toBe(42)
    expect(await page.evaluate<string>('location.pathname')).toBe('/')
    expect(await page.evaluate(async () => (await fetch('/nothing-here')).status)).toBe(404)
    expect(await page.waitFor((until: number) => Number(document.getElementById('count')!.textContent) >= until && document.getElementById('count')!.textContent, { arg: 5 })).toBe('5')
    expect(await page.evaluate(() => document.visibilityState)).toBe('visible')
    expect(await page.errors()).toEqual([])
    await page.close()
  })

  it('rejects a waitFor that stays falsy, with the last value', async () => {
    const page = await browser.newPage()
    await page.goto(`${origin}/`)
    await expect(page.waitFor(() => document.title === 'never' && document.title, { timeoutMs: 300 })).rejects.toThrow(/still falsy after 300 ms.*last value/)
    await expect(page.evaluate(() => (null as unknown as { x: number }).x)).rejects.toThrow()
    await page.close()
  })

  it("reports the page's uncaught errors", async () => {
    const page = await browser.newPage()
    await page.goto(`${origin}/throws`)
    await page.evaluate(() => document.querySelector('button')!.click())
    await page.evaluate(() => console.error('logged as an error'))
    await page.evaluate(() => void Promise.reject(new Error('nobody caught this')))
    const errors = await page.waitFor(() => true).then(() => page.errors())
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining('clicked and threw'), expect.stringContaining('logged as an error'), expect.stringContaining('nobody caught this')]))
    await page.close()
  })

  it('gives each page its own window; pages share storage like tabs of one browser', async () => {
    const [first, second] = [await browser.newPage(), await browser.newPage()]
    await first.goto(`${origin}/`)
    await second.goto(`${origin}/`)
    await first.evaluate(() => localStorage.setItem('shared', 'yes'))
    expect(await second.evaluate(() => localStorage.getItem('shared'))).toBe('yes')
    expect(await second.evaluate(() => document.visibilityState)).toBe('visible')
    expect(await first.evaluate(() => document.visibilityState)).toBe('visible')
    await Promise.all([first.close(), second.close()])
  })

  it('writes a PNG screenshot', async () => {
    const page = await browser.newPage({ width: 800, height: 600 })
    await page.goto(`${origin}/`)
    const dir = await mkdtemp(join(tmpdir(), 'lifeline-screenshot-'))
    try {
      await page.screenshot(join(dir, 'page.png'))
      const png = await readFile(join(dir, 'page.png'))
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      expect(png.length).toBeGreaterThan(1000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    await page.close()
  })
})

describe.each(ENGINES)('%s, closed', (engine) => {
  it('leaves no process and no profile behind', async () => {
    const browser = await launchBrowser(engine)
    const page = await browser.newPage()
    await page.goto(`${origin}/`)
    for (const group of browser.processGroups) expect(livingMembers(group).length).toBeGreaterThan(0)
    await browser.close()
    for (const group of browser.processGroups) expect(livingMembers(group)).toEqual([])
    expect(existsSync(browser.profileDir)).toBe(false)
  })
})
