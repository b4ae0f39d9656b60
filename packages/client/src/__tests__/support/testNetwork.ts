import { createMswHandlers, type MswHandlers, type MswHandlersOptions } from '@lifeline/mock-server/msw'
import { AuthError } from '@lifeline/mock-server/engine'
import type { ClientFrame, Command, ErrorBody, ServerFrame } from '@lifeline/protocol'
import { ws, type WebSocketHandler, type HttpHandler } from 'msw'
import { setupServer, type SetupServer } from 'msw/node'

/** Where the tests' server lives: msw answers it in this process, nothing leaves it. */
export const SERVER_URL = 'https://rt.example.com'

// One link for the module: msw adds a listener to a shared channel per `ws.link()` call and never
// removes it, so a link per test would trip Node's MaxListenersExceededWarning.
const webSocketLink = ws.link(`${SERVER_URL.replace(/^http/, 'ws')}/ws`)

/** One WebSocket the client opened, as the network saw it. */
export interface SocketView {
  readonly url: string
  /** Neither side has closed it yet. */
  readonly open: boolean
  /** What the client sent on it, pongs included, in order. */
  readonly received: ClientFrame[]
  /** Sends `frame` (or raw text) to the client past the server: what a buggy server or proxy would. */
  push(frame: ServerFrame | string): void
  /** Cuts the socket without a close frame, as a dropped network does (the client sees 1006). */
  drop(): void
}

export interface TestNetworkOptions extends MswHandlersOptions {
  /** Which tokens the server takes; it turns the others down with `UNAUTHORIZED`. @default every token */
  acceptToken?: (token: string) => boolean
  /**
   * How long each token is valid from when the server reads it, so the connect reply's
   * `expiresInMs` is exactly this. @default 3_600_000
   */
  tokenLifetimeMs?: number
}

/**
 * The real protocol engine behind msw's handlers, at {@link SERVER_URL}, with what a test needs to
 * see on the wire. Tokens are plain strings, each valid for user `ada` unless `acceptToken` says no.
 */
export interface TestNetwork {
  /** The handlers and their engine: `publish`, `disconnectAll`, `clients`, `faults`, `silenceWebSocketNow`… */
  readonly mock: MswHandlers
  /** Every WebSocket the client opened, refused ones included, oldest first. */
  readonly sockets: SocketView[]
  /** The newest WebSocket. */
  readonly socket: SocketView
  /** Requests over HTTP, as `METHOD /path`, in order (tickets, streams, polls, upstream POSTs). */
  readonly requests: string[]
  /** The commands of `type` the client sent over WebSocket, in order. */
  sent<T extends Command['type']>(type: T): Extract<Command, { type: T }>[]
  /**
   * Answers the client's WebSocket commands of `type` with the error `refusal` returns, before the
   * engine sees them; commands it returns `undefined` for go on to the engine. For refusals the
   * engine has no switch for (a connect turned down with `RATE_LIMITED`).
   */
  refuse<T extends Command['type']>(type: T, refusal: (command: Extract<Command, { type: T }>) => ErrorBody | undefined): void
  /** msw handlers that go before the protocol's (an HTTP route answered otherwise). */
  use(...handlers: Array<HttpHandler | WebSocketHandler>): void
  /** Runs `callback` when the network closes, first: a test's clients must not reconnect into the next test's network. */
  onClose(callback: () => void): void
  close(): Promise<void>
}

let current: TestNetwork | undefined

/** The network the current test started, if any. */
export const currentNetwork = (): TestNetwork | undefined => current

/** Closes the current test's network: `afterEach(closeNetwork)`. */
export async function closeNetwork(): Promise<void> {
  const network = current
  current = undefined
  await network?.close()
}

/**
 * Starts the test's network (msw patches the global `WebSocket` and `fetch` until it closes), so
 * make it before the client. One per test: {@link closeNetwork} after each.
 */
export function testNetwork({ acceptToken = () => true, tokenLifetimeMs = 3_600_000, ...options }: TestNetworkOptions = {}): TestNetwork {
  if (current) throw new Error('This test already started a network: pass it around instead of starting another (msw patches one set of globals)')
  const mock = createMswHandlers({
    url: SERVER_URL,
    async verifyToken(token) {
      if (!acceptToken(token)) throw new AuthError('UNAUTHORIZED', `token ${token} is refused`)
      return { sub: 'ada', roles: [], exp: (Date.now() + tokenLifetimeMs) / 1000 }
    },
    ...options,
  })
  const sockets: SocketView[] = []
  const requests: string[] = []
  const refusals: ((command: Command) => ErrorBody | undefined)[] = []
  const closing: (() => void)[] = []
  // Goes before the protocol's handler: it sees each frame first, and can keep one from the engine.
  const observer = webSocketLink.addEventListener('connection', ({ client }) => {
    let open = true
    const received: ClientFrame[] = []
    client.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return
      const frame = JSON.parse(event.data) as ClientFrame
      received.push(frame)
      if (frame.type === 'pong') return
      const error = refusals.map((refusal) => refusal(frame)).find(Boolean)
      if (!error) return
      event.stopPropagation()
      client.send(JSON.stringify({ type: 'reply', id: frame.id, ok: false, error }))
    })
    client.addEventListener('close', () => (open = false))
    sockets.push({
      url: client.url.href,
      get open() {
        return open
      },
      received,
      push: (frame) => client.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
      drop() {
        open = false
        client.close(1006, 'connection dropped')
      },
    })
  })
  const server: SetupServer = setupServer(observer, ...mock.handlers)
  server.events.on('request:start', ({ request }) => {
    requests.push(`${request.method} ${new URL(request.url).pathname}`)
  })
  server.listen({ onUnhandledRequest: 'error' })
  const commands = () => sockets.flatMap((socket) => socket.received.filter((frame): frame is Command => frame.type !== 'pong'))
  current = {
    mock,
    sockets,
    get socket() {
      const socket = sockets.at(-1)
      if (!socket) throw new Error('No WebSocket was opened yet')
      return socket
    },
    requests,
    sent: <T extends Command['type']>(type: T) => commands().filter((command): command is Extract<Command, { type: T }> => command.type === type),
    refuse(type, refusal) {
      refusals.push((command) => (command.type === type ? refusal(command as never) : undefined))
    },
    use: (...handlers) => server.use(...handlers),
    onClose: (callback) => void closing.push(callback),
    async close() {
      for (const callback of closing.splice(0)) callback()
      await mock.close()
      server.close()
    },
  }
  return current
}
