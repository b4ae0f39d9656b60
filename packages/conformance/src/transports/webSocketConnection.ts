import { PROTOCOL_VERSION, ROUTES, type ConnectResult, type ReplyFrame } from '@lifeline/protocol'
import { CaseFailure } from '../failure'
import { FrameLog, type Ended } from '../frameLog'
import { CommandSender, type Connection, type ConnectionOptions, type WebSocketLike } from './connection'

const OPEN = 1

/** `http://host:port` → `ws://host:port/ws`. */
export const webSocketUrl = (url: string) => `${url.replace(/^http/, 'ws')}${ROUTES.webSocket.path}`

/** A WebSocket to `/ws`, raw until {@link WebSocketConnection.handshake} completes the connect. */
export class WebSocketConnection extends CommandSender implements Connection {
  readonly transport = 'websocket'
  readonly log: FrameLog
  readonly ended: Promise<Ended>
  session = ''
  connectResult: ConnectResult = { session: '', heartbeatMs: 0 }
  token: string
  readonly #socket: WebSocketLike
  readonly #user: string
  readonly #waitMs: number
  /** Why the socket failed (`connect ECONNREFUSED …`), for the close the failure ends in. */
  #error = ''

  private constructor(socket: WebSocketLike, options: ConnectionOptions, autoPong: boolean) {
    super()
    this.#socket = socket
    this.#user = options.user
    this.#waitMs = options.waitMs
    this.token = options.token
    this.log = new FrameLog(() => this.label, options.waitMs)
    options.track(this)
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (typeof event.data !== 'string') return this.log.receive('<binary frame: the protocol sends JSON text frames>')
      const count = this.log.frames.length
      this.log.receive(event.data)
      const frame = this.log.frames.length > count ? this.log.frames[count] : undefined
      // The protocol's answer to a server ping over WebSocket; without it the server may drop the socket.
      if (autoPong && frame?.type === 'ping' && socket.readyState === OPEN) socket.send('{"type":"pong"}')
    })
    // `ws` emits `error` (then `close`) when the server refuses or drops the socket, and an `error`
    // without a listener throws out of the process: the case must fail, not the run.
    socket.addEventListener('error', (event: unknown) => {
      const message = (event as { message?: unknown } | undefined)?.message
      if (typeof message === 'string' && message) this.#error = message
    })
    this.ended = new Promise((resolve) =>
      socket.addEventListener('close', (event: { code: number; reason: string }) => {
        const why = event.reason ? ` "${event.reason}"` : this.#error ? ` (${this.#error})` : ''
        const ended: Ended = { how: `closed with ${event.code}${why}`, code: event.code }
        this.log.end(ended)
        resolve(this.log.ended!)
      }),
    )
  }

  /** Whether frames can still be sent. */
  get isOpen(): boolean {
    return this.#socket.readyState === OPEN
  }

  get label(): string {
    return `${this.#user} over websocket${this.session ? ` (session ${this.session})` : ''}`
  }

  /** Opens the socket; resolves on `open`, before any handshake. `autoPong` answers server pings. */
  static open(options: ConnectionOptions, { autoPong = true }: { autoPong?: boolean } = {}): Promise<WebSocketConnection> {
    const url = webSocketUrl(options.url)
    const socket = new options.WebSocket(url)
    const connection = new WebSocketConnection(socket, options, autoPong)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void connection.close()
        reject(new CaseFailure(`WebSocket ${url} did not open within ${options.waitMs} ms`, { expected: 'the upgrade to complete' }))
      }, options.waitMs)
      socket.addEventListener('open', () => {
        clearTimeout(timer)
        resolve(connection)
      })
      void connection.ended.then((ended) => {
        clearTimeout(timer)
        reject(new CaseFailure(`WebSocket ${url} ${ended.how} before it opened`, { expected: 'the upgrade to complete', received: ended }))
      })
    })
  }

  /** Opens the socket and connects with `token`; fails the case unless the connect reply is ok. */
  static async connect(options: ConnectionOptions): Promise<WebSocketConnection> {
    const connection = await WebSocketConnection.open(options)
    const reply = await connection.handshake(options.token)
    if (!reply.ok) {
      await connection.close()
      throw new CaseFailure(`${connection.label}: connect refused with ${reply.error?.code}`, { expected: 'an ok connect reply', received: reply })
    }
    return connection
  }

  /** Sends `connect` (id 1) and resolves with its reply, ok or not; an ok reply opens the session. */
  async handshake(token: string | undefined, v: number = PROTOCOL_VERSION): Promise<ReplyFrame> {
    await this.sendRaw(JSON.stringify({ id: 1, type: 'connect', v, ...(token === undefined ? {} : { token }) }), { id: 1, type: 'connect' })
    const reply = await this.log.reply(1)
    if (reply.ok) {
      this.connectResult = reply.result as ConnectResult
      this.session = String(this.connectResult.session)
    }
    return reply
  }

  async sendRaw(text: string, command?: { id: number; type: string; channel?: string }): Promise<undefined> {
    if (command) this.log.sent(command)
    if (this.#socket.readyState !== OPEN) throw new CaseFailure(`${this.label}: cannot send, the socket is ${this.log.ended?.how ?? 'not open'}`, { received: this.log.recent() })
    this.#socket.send(text)
    return undefined
  }

  /** Sends a binary message (the protocol is text: the server answers BAD_REQUEST). */
  async sendBinary(bytes: Uint8Array): Promise<void> {
    if (this.#socket.readyState !== OPEN) throw new CaseFailure(`${this.label}: cannot send, the socket is ${this.log.ended?.how ?? 'not open'}`, { received: this.log.recent() })
    this.#socket.send(bytes)
  }

  protected override async deliver(text: string, command: { id: number; type: string; channel?: string }): Promise<void> {
    await this.sendRaw(text, command)
  }

  async close(): Promise<void> {
    if (this.log.ended) return
    try {
      this.#socket.close(1000, 'conformance case done')
    } catch {
      // Still connecting on some implementations: the terminate below ends it.
    }
    const closed = await Promise.race([this.ended.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), Math.min(this.#waitMs, 2000)))])
    // `ws` can cut a socket whose peer never answers the close handshake; the browser API cannot.
    if (!closed) (this.#socket as { terminate?: () => void }).terminate?.()
  }
}
