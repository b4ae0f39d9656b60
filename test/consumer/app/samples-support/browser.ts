import { RealtimeClient } from '@lifeline/client'
import { RealtimeProvider } from '@lifeline/react'
import { createMswHandlers, DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { createElement, type ComponentType } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { expect, vi } from 'vitest'
import { closeExports, connectExportedClients } from './exports.js'

/** The page's token endpoint: a student named ada (so `dashboard` and publishing on `leaderboard` are refused). */
const token = () => signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada', roles: ['student'] })

/**
 * Runs app code the way a page would: the protocol served by MSW where the samples point their
 * clients (`https://rt.example.com`, and `/realtime` on the page), `POST /api/realtime-token`
 * answered, a `#root` element. The default export is rendered under a `RealtimeProvider` (the one
 * an app has above its components); `expected` texts must show on the page, every exported client
 * must connect, and nothing may log an error.
 */
export async function runBrowserSample(load: () => Promise<Record<string, unknown>>, expected: string[]): Promise<void> {
  vi.stubGlobal('EventSource', EventSource) // jsdom has none; msw's sse() needs one
  const servers = [createMswHandlers({ url: 'https://rt.example.com' }), createMswHandlers({ url: `${location.origin}/realtime` })]
  const tokens = http.post(`${location.origin}/api/realtime-token`, async () => HttpResponse.text(await token()))
  const network = setupServer(tokens, ...servers.flatMap((server) => server.handlers))
  network.listen({ onUnhandledRequest: 'error' })
  const errors: unknown[][] = []
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args))
  document.body.innerHTML = '<div id="root"></div><div id="sample"></div>'
  const provided = new RealtimeClient({ url: '/realtime', storage: null, getToken: token })
  let root: Root | undefined
  let module: Record<string, unknown> = {}
  try {
    module = await load()
    const Sample = module.default as ComponentType | undefined
    if (typeof Sample === 'function') {
      root = createRoot(document.getElementById('sample')!)
      root.render(createElement(RealtimeProvider, { client: provided }, createElement(Sample)))
    }
    for (const text of expected) await vi.waitFor(() => expect(document.body.textContent).toContain(text), { timeout: 15_000 })
    await connectExportedClients(module)
    expect(errors).toEqual([])
  } finally {
    root?.unmount()
    provided.disconnect()
    await closeExports(module)
    for (const server of servers) await server.close()
    network.close()
    vi.restoreAllMocks()
    vi.unstubAllGlobals()
  }
}
