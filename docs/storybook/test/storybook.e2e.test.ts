import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startGalleryServer, type GalleryServer } from '../../gallery/src/server/startGalleryServer'
import { ensureStorybookBuilt, STATIC_DIR } from './ensureStorybookBuilt'

// The static Storybook (`storybook build`) served by the demo mock server, as a team would host it
// next to its own server; every story rendered in Debian's Chromium.
vi.setConfig({ testTimeout: 60_000 })
const LIVE = { timeout: 20_000 }

let gallery: GalleryServer
let browser: Browser

beforeAll(async () => {
  await ensureStorybookBuilt()
  gallery = await startGalleryServer({ port: 0, siteDir: STATIC_DIR })
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await gallery?.close()
})

/** Storybook's ids for every named export of every CSF file: `Demos/Kanban board` + `SharedBoard` → `demos-kanban-board--shared-board`. */
function storyIdsInSources(): string[] {
  const dir = fileURLToPath(new URL('../../gallery/src/stories/', import.meta.url))
  const sanitize = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
  return readdirSync(dir)
    .filter((file) => file.endsWith('.stories.tsx'))
    .flatMap((file) => {
      const source = readFileSync(dir + file, 'utf8')
      const title = /title: '([^']+)'/.exec(source)![1]!
      return [...source.matchAll(/^export const (\w+)/gm)].map(([, name]) => `${sanitize(title)}--${sanitize(name!.replace(/([a-z0-9])([A-Z])/g, '$1 $2'))}`)
    })
}

async function indexedStories(): Promise<{ id: string; title: string }[]> {
  const index = (await (await fetch(`${gallery.url}/index.json`)).json()) as { entries: Record<string, { id: string; title: string; type: string }> }
  return Object.values(index.entries).filter((entry) => entry.type === 'story')
}

/** Opens one story alone (Storybook's iframe), collecting the page's errors. */
async function openStory(id: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  // Chromium asks for /favicon.ico on its own (Storybook's iframe names no icon): not the page's error.
  page.on('console', (message) => message.type() === 'error' && !message.location().url.endsWith('/favicon.ico') && errors.push(message.text()))
  await page.goto(`${gallery.url}/iframe.html?id=${id}&viewMode=story`)
  return { page, errors }
}

describe('Storybook', () => {
  it('indexes every story of the gallery', async () => {
    expect((await indexedStories()).map((story) => story.id).sort()).toEqual(storyIdsInSources().sort())
  })

  it('renders every story connected to the demo mock server, without errors', async () => {
    const stories = await indexedStories()
    expect(stories.length).toBeGreaterThan(0)
    for (const { id } of stories) {
      const { page, errors } = await openStory(id)
      try {
        // The decorator's client reached the mock server, and the story's channels are live.
        await expect.poll(() => page.getByTestId('inspector-status').first().textContent(), { ...LIVE, message: id }).toBe('connected')
        for (const status of await page.getByTestId('channel-status').all()) {
          await expect.poll(() => status.textContent(), { ...LIVE, message: `${id} channel` }).toMatch(/^(subscribed|failed)$/)
        }
        expect(await page.locator('.sb-show-errordisplay').count(), id).toBe(0)
        expect(errors, id).toEqual([])
      } finally {
        await page.context().close()
      }
    }
  })

  it('keeps status words on one line in narrow lab tiles', async () => {
    for (const width of [480, 760, 1280]) {
      // A user of its own per width: revoking it shows the longest status word, "disconnected".
      const user = `narrow-${width}`
      const { page } = await openStory(`labs-auth-lab--short-lived-tokens&args=user:${user}`, width)
      try {
        await expect.poll(() => page.getByTestId('auth-status').textContent(), LIVE).toBe('connected')
        await page.getByRole('button', { name: `Revoke ${user}` }).click()
        await expect.poll(() => page.getByTestId('auth-status').textContent(), LIVE).toBe('disconnected')
        const readouts = await page.locator('.big-readout > span:last-child').evaluateAll((spans) =>
          spans.map((span) => ({
            text: span.textContent,
            // One line of text is about 1.2 font sizes tall; two would be 2.4.
            oneLine: span.getBoundingClientRect().height < parseFloat(getComputedStyle(span).fontSize) * 1.8,
            fits: span.scrollWidth <= span.clientWidth,
          })),
        )
        expect(readouts.length).toBeGreaterThan(0)
        for (const readout of readouts) expect(readout, `${width}px`).toMatchObject({ oneLine: true, fits: true })
      } finally {
        await page.context().close()
      }
    }
  })
})
