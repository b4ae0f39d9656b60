import { createMswHandlers } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { setupServer } from 'msw/node'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { runConformance, type WebSocketConstructor } from '../index'
import { failures, idsWith, serverOptions, testConfig } from './support/testConfig'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the kit against the MSW handlers', () => {
  it('passes every case of the core, recovery and limits levels on every transport, with no request leaving the process', async () => {
    // msw patches the global WebSocket it finds (Node 20 has none: `ws` stands in, as a browser's
    // would), and its SSE support needs a global EventSource.
    vi.stubGlobal('WebSocket', globalThis.WebSocket ?? WebSocket)
    vi.stubGlobal('EventSource', globalThis.EventSource ?? EventSource)
    const mock = createMswHandlers({ url: 'http://lifeline.conformance.test', ...serverOptions() })
    const server = setupServer(...mock.handlers)
    server.listen({ onUnhandledRequest: 'error' })
    try {
      // Both read at call time, after msw patched them.
      const report = await runConformance({
        url: mock.url,
        config: testConfig(),
        fetch: (input, init) => globalThis.fetch(input, init),
        WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
        notApplicable: {
          'unknown-path': "the MSW handlers serve the protocol's paths only; others fall through to the app's own handlers",
          'abandoned-sockets': 'the MSW handlers run in this process: there is no socket to reset',
        },
      })
      expect(failures(report)).toEqual([])
      expect(idsWith(report, 'not-applicable')).toEqual(['core/unknown-path', 'core/abandoned-sockets', 'multi-replica/cross-replica-delivery', 'multi-replica/cross-replica-upstream', 'multi-replica/cross-replica-poll', 'multi-replica/cross-replica-recovery', 'multi-replica/cross-replica-presence'])
    } finally {
      await mock.close()
      server.close()
    }
  }, 300_000)
})
