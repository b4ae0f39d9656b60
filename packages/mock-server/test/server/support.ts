/**
 * Shared helpers for the mock server's integration tests: a real server on port 0, driven by clients
 * nobody here wrote (the `ws` package's WebSocket, the `eventsource` package, global `fetch`).
 */
import { PROTOCOL_VERSION, type Command, type CommandType, type MessageFrame, type ReplyFrame, type ServerFrame } from '@lifeline/protocol'
import { EventSource } from 'eventsource'
import { afterEach, vi } from 'vitest'
import { WebSocket } from 'ws'
import { systemClock, type Clock } from '../../src/engine/index'
import { createServer, signToken, type MockServer, type ServerOptions } from '../../src/index'

export const JWT_SECRET = 'integration-test-secret'

/** Where a client connects: a `MockServer`, or anything else with its `url` (a spawned CLI). */
export type Target = Pick<MockServer, 'url'>

/** How long a test waits for something the server should do soon; generous for a loaded machine. */
const WAIT_MS = 10_000

const openedThisTest: (() => unknown)[] = []

/** Registers something for {@link closeOpened} to close after the current test. */
export function closeAfterTest(close: () => unknown): void {
  openedThisTest.push(close)
}

async function closeOpened(): Promise<void> {
  const closers = openedThisTest.splice(0).reverse()
  for (const close of closers) await close()
}

/**
 * Call once at the top of a test file: generous timeouts for a loaded machine, and every server and
 * client the helpers opened is closed after each test.
 */
export function useIntegrationHooks(): void {
  vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 })
  afterEach(closeOpened)
}

/** A mock server on a free loopback port with the test secret, closed by {@link closeOpened}. */
export async function startServer(options: ServerOptions = {}): Promise<MockServer> {
  const server = await createServer({ port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, ...options })
  openedThisTest.push(() => server.close())
  return server
}

/** A JWT the test server accepts (HS256 with {@link JWT_SECRET} unless `secret` says otherwise). */
export function mintToken(sub: string, { roles = [], expiresInSeconds = 3600, secret = JWT_SECRET, now }: { roles?: string[]; expiresInSeconds?: number; secret?: string; now?: number } = {}): Promise<string> {
  return signToken({ secret, sub, roles, expiresInSeconds, ...(now === undefined ? {} : { now }) })
}

/** Resolves with what `check` returns once it stops throwing; rejects with its last error after `timeoutMs`. */
export function eventually<T>(check: () => T, timeoutMs = WAIT_MS): Promise<T> {
  return vi.waitFor(check, { timeout: timeoutMs, interval: 20 })
}

export type CommandFields<T extends CommandType> = Omit<Extract<Command, { type: T }>, 'id' | 'type'>

/** The frames one connection received, in order, with ways to wait for the ones a test expects. */
export class FrameLog {
  readonly frames: ServerFrame[] = []

  /** The first frame (received so far or later) for which `predicate` holds. */
  frame<F extends ServerFrame = ServerFrame>(predicate: (frame: ServerFrame) => boolean, what: string, timeoutMs = WAIT_MS): Promise<F> {
    return eventually(() => {
      const found = this.frames.find(predicate)
      if (!found) throw new Error(`No frame ${what} yet; received: ${this.describe()}`)
      return found as F
    }, timeoutMs)
  }

  reply(id: number): Promise<ReplyFrame> {
    return this.frame<ReplyFrame>((frame) => frame.type === 'reply' && frame.id === id, `reply to command ${id}`)
  }

  /** Channel messages received so far, optionally of one channel. */
  messages(channel?: string): MessageFrame[] {
    return this.frames.filter((frame): frame is MessageFrame => frame.type === 'message' && (channel === undefined || frame.channel === channel))
  }

  /** Waits until `count` messages of `channel` have arrived and returns them. */
  async messagesOf(channel: string, count: number, timeoutMs = WAIT_MS): Promise<MessageFrame[]> {
    return eventually(() => {
      const received = this.messages(channel)
      if (received.length < count) throw new Error(`${received.length}/${count} messages on ${channel}; received: ${this.describe()}`)
      return received
    }, timeoutMs)
  }

  describe(): string {
    return JSON.stringify(this.frames.slice(-5))
  }
}

export interface Closed {
  code: number
  reason: string
}

/** A `ws` WebSocket to the server's `/ws`, recording every frame. */
export class WsClient extends FrameLog {
  readonly socket: WebSocket
  /** Settles when the socket closes, with the close code the client saw. */
  readonly closed: Promise<Closed>
  #nextId = 1

  private constructor(socket: WebSocket) {
    super()
    this.socket = socket
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as ServerFrame))
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  /** Opens the socket; resolves on `open` (before any handshake). */
  static open(server: Target, options: { origin?: string; autoPong?: boolean } = {}): Promise<WsClient> {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { ...(options.origin ? { origin: options.origin } : {}), autoPong: options.autoPong ?? true })
    const client = new WsClient(socket)
    openedThisTest.push(() => socket.terminate())
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client))
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with ${response.statusCode}`)))
      socket.once('error', reject)
    })
  }

  /** Opens the socket and completes the handshake with `token`; rejects when the server refuses. */
  static async connect(server: Target, token: string): Promise<WsClient> {
    const client = await WsClient.open(server)
    const reply = await client.command('connect', { v: PROTOCOL_VERSION, token })
    if (!reply.ok) throw new Error(`connect refused: ${reply.error.code}`)
    return client
  }

  /** Sends raw text, or a frame as JSON. */
  send(frame: string | object): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends a command with the next id; resolves with its reply. */
  command<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
    const id = this.#nextId++
    this.send({ id, type, ...fields })
    return this.reply(id)
  }
}

export interface HttpResult {
  status: number
  headers: Headers
  body: any
}

/** One HTTP request to the server; the body is parsed as JSON when it is JSON. */
export async function request(server: Target, path: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(`${server.url}${path}`, init)
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON (metrics): keep the text.
  }
  return { status: response.status, headers: response.headers, body }
}

/** `POST /sse/ticket` with the token in `Authorization` and a connect command as the body. */
export function requestTicket(server: Target, token: string | undefined, { origin, connectId = 1 }: { origin?: string; connectId?: number } = {}): Promise<HttpResult> {
  return request(server, '/sse/ticket', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) },
    body: JSON.stringify({ id: connectId, type: 'connect', v: PROTOCOL_VERSION }),
  })
}

/** An `eventsource` EventSource on `/sse`, with upstream commands over `POST /sse/send`. */
export class SseClient extends FrameLog {
  readonly source: EventSource
  /** The SSE event `id:` of each message frame, in order. */
  readonly eventIds: string[] = []
  /** The URLs the EventSource requested (to check no token ever goes into one). */
  readonly requestedUrls: string[] = []
  session = ''
  token: string
  #nextId = 2

  private constructor(url: string, token: string, origin: string | undefined) {
    super()
    this.token = token
    this.source = new EventSource(url, {
      fetch: (input, init) => {
        this.requestedUrls.push(String(input))
        return fetch(input, { ...init, headers: { ...init?.headers, ...(origin ? { origin } : {}) } })
      },
    })
    openedThisTest.push(() => this.source.close())
    this.source.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data) as ServerFrame
      if (frame.type === 'message') this.eventIds.push(event.lastEventId)
      this.frames.push(frame)
    })
  }

  /** Opens a stream with a ticket already in hand (connect id 1); resolves once the connect reply arrived. */
  static async withTicket(server: Target, ticket: string, token: string, origin?: string): Promise<SseClient> {
    const client = new SseClient(`${server.url}/sse?ticket=${encodeURIComponent(ticket)}`, token, origin)
    const reply = await client.reply(1)
    if (!reply.ok) throw new Error(`connect refused: ${reply.error.code}`)
    client.session = (reply.result as { session: string }).session
    return client
  }

  /** The whole handshake: ticket by POST with the token, then the stream. */
  static async connect(server: Target, token: string, origin?: string): Promise<SseClient> {
    const ticket = await requestTicket(server, token, origin ? { origin } : {})
    if (ticket.status !== 200) throw new Error(`ticket refused: ${JSON.stringify(ticket.body)}`)
    return SseClient.withTicket(server, ticket.body.ticket, token, origin)
  }

  /** `POST /sse/send` with this client's token and session; answers the HTTP result. */
  post(server: Target, frame: string | object, { token = this.token, session = this.session }: { token?: string; session?: string } = {}): Promise<HttpResult> {
    return request(server, '/sse/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'lifeline-session': session },
      body: typeof frame === 'string' ? frame : JSON.stringify(frame),
    })
  }

  /** Sends a command upstream (must be accepted with 202); resolves with its reply from the stream. */
  async command<T extends CommandType>(server: Target, type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
    const id = this.#nextId++
    const answer = await this.post(server, { id, type, ...fields })
    if (answer.status !== 202) throw new Error(`upstream ${type} refused with ${answer.status}: ${JSON.stringify(answer.body)}`)
    return this.reply(id)
  }

  /** Resolves once the server ended the stream. */
  ended(): Promise<void> {
    return eventually(() => {
      if (this.source.readyState === EventSource.OPEN) throw new Error('stream still open')
    })
  }
}

/** The reply's result, failing the test with the error code when the reply is an error. */
export function resultOf<T>(reply: ReplyFrame): T {
  if (!reply.ok) throw new Error(`expected ok, got ${reply.error.code}: ${reply.error.message}`)
  return reply.result as T
}

/** The reply's error code, failing the test when the reply is ok. */
export function errorOf(reply: ReplyFrame): string {
  if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply.result)}`)
  return reply.error.code
}

/** Whether the server still answers: `/healthz` is 200 and a fresh WebSocket client completes a round trip. */
export async function stillServes(server: MockServer): Promise<boolean> {
  const health = await request(server, '/healthz')
  const client = await WsClient.connect(server, await mintToken('health-check'))
  const pong = await client.command('ping', {})
  client.socket.close()
  return health.status === 200 && pong.ok
}

/** A raw `GET /sse` read with fetch, for what EventSource hides (comment lines, `retry:`). */
export async function openRawStream(server: Target, token: string): Promise<{ text: () => string; status: number }> {
  const ticket = (await requestTicket(server, token)).body.ticket as string
  const controller = new AbortController()
  openedThisTest.push(() => controller.abort())
  const response = await fetch(`${server.url}/sse?ticket=${encodeURIComponent(ticket)}`, { signal: controller.signal })
  let received = ''
  const decoder = new TextDecoder()
  const pump = async () => {
    for await (const chunk of response.body!) received += decoder.decode(chunk as Uint8Array, { stream: true })
  }
  pump().catch(() => {
    // Aborted by cleanup or ended by the server: the text so far stays readable.
  })
  return { text: () => received, status: response.status }
}

/**
 * A clock for the engine or a broker whose time the test moves forward: `now()` is the wall clock
 * plus what `advance()` added, and timeouts (token expiry, connect timeout) fire when `advance()`
 * passes them. Intervals (heartbeats) stay real, so connections behave normally meanwhile.
 */
export class TestClock implements Clock {
  #skew = 0
  #timeouts = new Map<number, { due: number; callback: () => void }>()
  #nextHandle = 1
  readonly setInterval = systemClock.setInterval
  readonly clearInterval = systemClock.clearInterval

  now(): number {
    return Date.now() + this.#skew
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#nextHandle++
    this.#timeouts.set(handle, { due: this.now() + ms, callback })
    return handle
  }

  clearTimeout(handle: unknown): void {
    this.#timeouts.delete(handle as number)
  }

  /** Moves time forward by `ms` and runs the timeouts that came due, earliest first. */
  advance(ms: number): void {
    this.#skew += ms
    const due = [...this.#timeouts].filter(([, timeout]) => timeout.due <= this.now()).sort(([, a], [, b]) => a.due - b.due)
    for (const [handle, { callback }] of due) {
      if (this.#timeouts.delete(handle)) callback()
    }
  }
}
