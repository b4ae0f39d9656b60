import { ENGINES, launchBrowser, type Browser, type Engine, type Page } from '@lifeline/testkit'
import { afterAll, beforeAll, describe, it, vi } from 'vitest'
import { freePort } from '@lifeline/testkit/tools'
import { startPrimitivesServer, type PrimitivesServer } from './support/primitivesServer'

// What each engine's own WebSocket and EventSource report in the situations the client reads
// (docs/browser-support.md). Real browsers on a shared machine: generous waits, no timing asserts.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

type SocketEvent = { type: 'open' } | { type: 'error' } | { type: 'close'; code: number; reason: string; wasClean: boolean }

/**
 * Opens a WebSocket that sends `hello` once open, and lists its events until it closes (`limitMs`
 * only bounds a case that never does).
 */
function webSocketEvents(page: Page, url: string, limitMs = 10_000): Promise<SocketEvent[]> {
  return page.evaluate(
    ([target, limit]: [string, number]) =>
      new Promise<SocketEvent[]>((resolve) => {
        const events: SocketEvent[] = []
        const socket = new WebSocket(target)
        const timer = setTimeout(() => (socket.close(), resolve(events)), limit)
        socket.onopen = () => {
          events.push({ type: 'open' })
          socket.send('hello')
        }
        socket.onerror = () => events.push({ type: 'error' })
        socket.onclose = (event) => {
          events.push({ type: 'close', code: event.code, reason: event.reason, wasClean: event.wasClean })
          clearTimeout(timer)
          resolve(events)
        }
      }),
    [url.replace(/^http/, 'ws'), limitMs],
  )
}

type StreamEvent = { type: 'open' } | { type: 'message'; data: string; lastEventId: string } | { type: 'error'; readyState: number }

/**
 * Opens an EventSource and lists its events until it is CLOSED (readyState 2), after its first
 * error with `firstErrorOnly` (what the client does: it never lets EventSource retry), or after
 * `limitMs`.
 */
function eventSourceEvents(page: Page, url: string, { firstErrorOnly = false, limitMs = 10_000 } = {}): Promise<StreamEvent[]> {
  return page.evaluate(
    ([target, firstOnly, limit]: [string, boolean, number]) =>
      new Promise<StreamEvent[]>((resolve) => {
        const events: StreamEvent[] = []
        const source = new EventSource(target)
        const done = () => (source.close(), clearTimeout(timer), resolve(events))
        const timer = setTimeout(done, limit)
        source.onopen = () => events.push({ type: 'open' })
        source.onmessage = (event) => events.push({ type: 'message', data: event.data, lastEventId: event.lastEventId })
        source.onerror = () => {
          events.push({ type: 'error', readyState: source.readyState })
          if (firstOnly || source.readyState === EventSource.CLOSED) done()
        }
      }),
    [url, firstErrorOnly, limitMs],
  )
}

/** readyState values (Node has no WebSocket or EventSource global to read them from). */
const CONNECTING = 0
const OPEN = 1
const CLOSED = 2

declare global {
  interface Window {
    silent?: { events: string[]; socket: WebSocket }
  }
}

/**
 * After a network error (nothing listening), Chromium and WebKit keep the EventSource CONNECTING
 * and retry by themselves, as the spec says; Firefox closes it.
 */
const UNREACHABLE_STREAM_STATE: Record<Engine, number> = { chromium: CONNECTING, firefox: CLOSED, webkit: CONNECTING }

// The engines run side by side, each with its own server and browser; the cases of one engine
// one after another, in one page.
describe.concurrent.each(ENGINES)('%s', (engine) => {
  let browser: Browser
  let server: PrimitivesServer
  let page: Page

  beforeAll(async () => {
    server = await startPrimitivesServer()
    browser = await launchBrowser(engine)
    page = await browser.newPage()
    await page.goto(`${server.url}/`)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  describe.sequential('WebSocket', () => {
    it('a refused upgrade fires error, then close 1006, not clean', async ({ expect }) => {
      expect(await webSocketEvents(page, `${server.url}/ws/refused`)).toEqual([{ type: 'error' }, { type: 'close', code: 1006, reason: '', wasClean: false }])
    })

    it('an unreachable server fires error, then close 1006, not clean', async ({ expect }) => {
      expect(await webSocketEvents(page, `http://127.0.0.1:${await freePort()}/ws`)).toEqual([{ type: 'error' }, { type: 'close', code: 1006, reason: '', wasClean: false }])
    })

    it("a server's close passes its code and reason, clean", async ({ expect }) => {
      expect(await webSocketEvents(page, `${server.url}/ws/close-4001`)).toEqual([{ type: 'open' }, { type: 'close', code: 4001, reason: 'try later', wasClean: true }])
    })

    it('a connection cut after open closes with 1006 and no error event', async ({ expect }) => {
      expect(await webSocketEvents(page, `${server.url}/ws/drop`)).toEqual([{ type: 'open' }, { type: 'close', code: 1006, reason: '', wasClean: false }])
    })

    it('an accepted upgrade that stays silent opens, and stays OPEN with nothing received after the server got a frame', async ({ expect }) => {
      await page.evaluate((target: string) => {
        const silent = { events: [] as string[], socket: new WebSocket(target) }
        window.silent = silent
        silent.socket.onopen = () => (silent.events.push('open'), silent.socket.send('hello'))
        silent.socket.onmessage = () => silent.events.push('message')
        silent.socket.onerror = () => silent.events.push('error')
        silent.socket.onclose = () => silent.events.push('close')
      }, `${server.url.replace(/^http/, 'ws')}/ws/silent`)
      await expect.poll(() => server.silentReceived.length).toBeGreaterThan(0)
      expect(await page.evaluate(() => ({ events: window.silent!.events, readyState: window.silent!.socket.readyState }))).toEqual({ events: ['open'], readyState: OPEN })
      await page.evaluate(() => window.silent!.socket.close())
    })
  })

  describe.sequential('EventSource', () => {
    it('a refused stream (HTTP 401) fires one error with readyState CLOSED and is not retried', async ({ expect }) => {
      expect(await eventSourceEvents(page, `${server.url}/sse/refused`)).toEqual([{ type: 'error', readyState: CLOSED }])
    })

    it('a stream that ends fires error while CONNECTING and comes back with Last-Event-ID; a 204 stops it', async ({ expect }) => {
      expect(await eventSourceEvents(page, `${server.url}/sse/ends?stream=${engine}`)).toEqual([
        { type: 'open' },
        { type: 'message', data: 'one', lastEventId: '7' },
        { type: 'error', readyState: CONNECTING },
        { type: 'error', readyState: CLOSED },
      ])
      expect(server.streams.get(engine)).toEqual({ lastEventIds: [null, '7'] })
    })

    it(`an unreachable server fires error with readyState ${UNREACHABLE_STREAM_STATE[engine] === CLOSED ? 'CLOSED' : 'CONNECTING'}`, async ({ expect }) => {
      expect(await eventSourceEvents(page, `http://127.0.0.1:${await freePort()}/sse`, { firstErrorOnly: true })).toEqual([{ type: 'error', readyState: UNREACHABLE_STREAM_STATE[engine] }])
    })
  })
})
