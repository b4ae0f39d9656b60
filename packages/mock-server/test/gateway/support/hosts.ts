import { PROTOCOL_VERSION, type ServerFrame } from '@lifeline/protocol'
import { setupServer } from 'msw/node'
import { vi } from 'vitest'
import { WebSocket as NodeWebSocket } from 'ws'
import type { GatewayOptions } from '../../../src/gateway/gateway'
import { createMswHandlers, type MswHandlers } from '../../../src/msw/index'
import type { MockServer } from '../../../src/index'
import { closeAfterTest, FrameLog, JWT_SECRET, startServer } from '../../server/support'

/** The two hosts of the gateway: a real Node server, and the MSW handlers in this process. */
export const HOSTS = ['node', 'msw'] as const
export type HostKind = (typeof HOSTS)[number]

/** What the tests use of either host. */
export type Host = Pick<MockServer & MswHandlers, 'url' | 'faults' | 'engine' | 'clients' | 'connected' | 'publish' | 'disconnectAll' | 'silenceWebSocketNow'>

/**
 * Starts `kind` with the test secret, closed after the test. For MSW, msw intercepts this
 * process's `fetch` and global `WebSocket` (the `ws` package's class stands in for Node 20's
 * missing one) until then, so the raw clients of `test/server` reach it unchanged.
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
 * A WebSocket client through the global `WebSocket` API, which msw intercepts (the Node host's
 * tests get the `ws` package's class when there is no global).
 */
export class GlobalWsClient extends FrameLog {
  readonly socket: WebSocket
  /** Settles with the close code once the socket closed. */
  readonly closed: Promise<number>
  #nextId = 1

  private constructor(socket: WebSocket) {
    super()
    this.socket = socket
    socket.addEventListener('message', (event) => this.frames.push(JSON.parse(String(event.data)) as ServerFrame))
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve(event.code)))
  }

  /** Opens `/ws` and completes the handshake with `token`. */
  static async connect(host: Pick<Host, 'url'>, token: string): Promise<GlobalWsClient> {
    const Socket = (globalThis.WebSocket ?? NodeWebSocket) as typeof WebSocket
    const client = new GlobalWsClient(new Socket(`${host.url.replace(/^http/, 'ws')}/ws`))
    closeAfterTest(() => client.socket.close())
    await new Promise((resolve, reject) => {
      client.socket.addEventListener('open', resolve)
      client.socket.addEventListener('error', reject)
    })
    const reply = await client.command('connect', { v: PROTOCOL_VERSION, token })
    if (reply.type !== 'reply' || !reply.ok) throw new Error(`connect refused: ${JSON.stringify(reply)}`)
    return client
  }

  /** Sends a command with the next id; resolves with its reply. */
  command(type: string, fields: object): Promise<ServerFrame> {
    const id = this.#nextId++
    this.socket.send(JSON.stringify({ id, type, ...fields }))
    return this.reply(id)
  }

  /** Sends a command without waiting for its reply; answers its id. */
  send(type: string, fields: object): number {
    const id = this.#nextId++
    this.socket.send(JSON.stringify({ id, type, ...fields }))
    return id
  }
}
