import { setupServer } from 'msw/node'
import { vi } from 'vitest'
import { WebSocket as NodeWebSocket } from 'ws'
import { closeAfterTest, WsClient } from '@lifeline/testkit/raw'
import type { GatewayOptions } from '../../../src/gateway/gateway'
import { createMswHandlers, type MswHandlers } from '../../../src/msw/index'
import type { MockServer } from '../../../src/index'
import { JWT_SECRET, startServer } from '../../server/support'

/** The two hosts of the gateway: a real Node server, and the MSW handlers in this process. */
export const HOSTS = ['node', 'msw'] as const
export type HostKind = (typeof HOSTS)[number]

/** What the tests use of either host. */
export type Host = Pick<MockServer & MswHandlers, 'url' | 'faults' | 'engine' | 'clients' | 'connected' | 'publish' | 'disconnectAll' | 'silenceWebSocketNow'>

/**
 * Starts `kind` with the test secret, closed after the test. For MSW, msw intercepts this
 * process's `fetch` and global `WebSocket` (the `ws` package's class stands in for Node 20's
 * missing one) until then, so the raw clients of `@lifeline/testkit/raw` reach it unchanged.
 */
export async function startHost(kind: HostKind, options: GatewayOptions = {}): Promise<Host> {
  if (kind === 'node') return startServer(options)
  vi.stubGlobal('WebSocket', globalThis.WebSocket ?? NodeWebSocket)
  const mock = createMswHandlers({ url: 'http://lifeline.test', jwtSecret: JWT_SECRET, ...options })
  const network = setupServer(...mock.handlers)
  network.listen({ onUnhandledRequest: 'error' })
  closeAfterTest(async () => {
    await mock.close()
    network.close()
    vi.unstubAllGlobals()
  })
  return mock
}

/**
 * A raw WebSocket client through the global `WebSocket` API, which msw intercepts (the Node host's
 * tests get the `ws` package's class when there is no global), past the handshake with `token`.
 */
export function connectGlobalWebSocket(host: Pick<Host, 'url'>, token: string): Promise<WsClient> {
  return WsClient.connect(host, token, { WebSocket: globalThis.WebSocket ?? (NodeWebSocket as unknown as typeof WebSocket) })
}
