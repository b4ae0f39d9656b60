import type { Command, MessageFrame, Position, ResultMap, ServerFrame } from '../../protocol/frames'
import type { ErrorBody } from '../../protocol/frames'

/** What a handler answers: a result, an error, or `'ignore'` to leave the command unanswered. */
export type FakeAnswer = { result: ResultMap[keyof ResultMap] } | { error: ErrorBody } | 'ignore'

/** How the fake treats new sockets: complete the handshake, fail the upgrade, or accept and say nothing. */
export type FakeMode = 'accept' | 'refuse' | 'silent'

/**
 * An in-memory Lifeline server behind a fake `WebSocket` constructor, for unit tests with fake
 * timers. Everything it sends is delivered in a microtask, like a real socket's events.
 */
export class FakeServer {
  readonly sockets: FakeSocket[] = []
  /** Every command received, on any socket, in order. */
  readonly commands: Command[] = []
  mode: FakeMode = 'accept'
  heartbeatMs = 25_000
  /** Token lifetime the server reports on connect and refresh; `undefined` for none. */
  expiresInMs: number | undefined
  /** Overrides per command type. */
  readonly handlers: Partial<{ [T in Command['type']]: (command: Extract<Command, { type: T }>, socket: FakeSocket) => FakeAnswer | undefined }> = {}
  readonly #history = new Map<string, MessageFrame[]>()
  /** Offsets at or below this are gone from history, per channel. */
  readonly #trimmedTo = new Map<string, number>()
  readonly #keys = new Set<string>()
  readonly epoch = 'e1'

  /** The constructor to pass as the client's `WebSocket` option. */
  readonly WebSocket: typeof globalThis.WebSocket

  constructor() {
    const server = this
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url, server)
      }
    } as unknown as typeof globalThis.WebSocket
  }

  /** The most recent socket. */
  get socket(): FakeSocket {
    const socket = this.sockets.at(-1)
    if (!socket) throw new Error('No socket was opened yet')
    return socket
  }

  /** Commands of one type, in order. */
  sent<T extends Command['type']>(type: T): Extract<Command, { type: T }>[] {
    return this.commands.filter((command): command is Extract<Command, { type: T }> => command.type === type)
  }

  /** Publishes as the server: appends to history and pushes to every subscribed open socket. */
  publish(channel: string, event: string, data: unknown): Position {
    const history = this.#history.get(channel) ?? []
    this.#history.set(channel, history)
    const pos = { epoch: this.epoch, offset: history.length + 1 }
    const message: MessageFrame = { type: 'message', channel, event, data, pos }
    history.push(message)
    for (const socket of this.sockets) if (socket.subscriptions.has(channel)) socket.push(message)
    return pos
  }

  /** Forgets a channel's history: a later `since` cannot be served (`recovered: false`). */
  trimHistory(channel: string): void {
    this.#trimmedTo.set(channel, this.#history.get(channel)?.length ?? 0)
  }

  /** @internal Called by a socket for each command. */
  answer(command: Command, socket: FakeSocket): void {
    this.commands.push(command)
    if (this.mode === 'silent') return
    const custom = (this.handlers[command.type] as ((command: Command, socket: FakeSocket) => FakeAnswer | undefined) | undefined)?.(command, socket)
    const answer = custom ?? this.#default(command, socket)
    if (answer === 'ignore') return
    socket.push('error' in answer ? { type: 'reply', id: command.id, ok: false, error: answer.error } : { type: 'reply', id: command.id, ok: true, result: answer.result })
    if (command.type === 'subscribe' && 'result' in answer) this.#replay(command.channel, command.since, socket)
  }

  #default(command: Command, socket: FakeSocket): FakeAnswer {
    const expiry = this.expiresInMs === undefined ? {} : { expiresInMs: this.expiresInMs }
    switch (command.type) {
      case 'connect':
        return { result: { session: `s${this.sockets.indexOf(socket) + 1}`, heartbeatMs: this.heartbeatMs, ...expiry } }
      case 'refresh':
        return { result: expiry }
      case 'subscribe': {
        socket.subscriptions.add(command.channel)
        const offset = this.#history.get(command.channel)?.length ?? 0
        const { since } = command
        const recovered = !since || (since.epoch === this.epoch && since.offset >= (this.#trimmedTo.get(command.channel) ?? 0))
        return { result: { position: { epoch: this.epoch, offset: recovered && since ? since.offset : offset }, recovered } }
      }
      case 'unsubscribe':
        socket.subscriptions.delete(command.channel)
        return { result: {} }
      case 'publish': {
        const duplicate = this.#keys.has(command.key)
        this.#keys.add(command.key)
        const history = this.#history.get(command.channel) ?? []
        const position = duplicate ? { epoch: this.epoch, offset: history.length } : this.publish(command.channel, command.event, command.data)
        return { result: { position, duplicate } }
      }
      case 'ping':
        return { result: {} }
    }
  }

  #replay(channel: string, since: Position | undefined, socket: FakeSocket): void {
    if (!since || since.epoch !== this.epoch || since.offset < (this.#trimmedTo.get(channel) ?? 0)) return
    for (const message of this.#history.get(channel)?.slice(since.offset) ?? []) socket.push(message)
  }
}

/** One fake WebSocket; the test drives the server side through it. */
export class FakeSocket {
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  readonly subscriptions = new Set<string>()
  /** The client closed it (with this code). */
  closedWith: number | undefined
  #ended = false

  constructor(
    readonly url: string,
    readonly server: FakeServer,
  ) {
    server.sockets.push(this)
    const mode = server.mode
    queueMicrotask(() => (mode === 'refuse' ? this.drop(1006, 'upgrade refused') : this.onopen?.({})))
  }

  /** Whether the socket is still usable by either side. */
  get open(): boolean {
    return !this.#ended && this.closedWith === undefined
  }

  send(text: string): void {
    if (this.open) this.server.answer(JSON.parse(text) as Command, this)
  }

  close(code = 1000): void {
    this.closedWith ??= code
  }

  /** Sends a frame (or raw text) to the client in a microtask. */
  push(frame: ServerFrame | string): void {
    queueMicrotask(() => this.open && this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) }))
  }

  /** The server side closes the socket (after an optional disconnect frame). */
  drop(code = 1006, reason = ''): void {
    if (!this.open) return
    this.#ended = true
    this.onclose?.({ code, reason })
  }

  /** Sends disconnect advice, then closes, like the real server. */
  disconnect(code: number, retryAfterMs?: number): void {
    this.push({ type: 'disconnect', code, reason: 'test', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })
    queueMicrotask(() => this.drop(code, 'test'))
  }
}
