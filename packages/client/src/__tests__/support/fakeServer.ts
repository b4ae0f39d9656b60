import type { ClientFrame, Command, ErrorBody, MessageFrame, Position, ResultMap, ServerFrame } from '@lifeline/protocol'

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
  /** Every frame received, pongs included, on any socket, in order. */
  readonly received: ClientFrame[] = []
  mode: FakeMode = 'accept'
  heartbeatMs = 25_000
  /** Token lifetime the server reports on connect and refresh; `undefined` for none. */
  expiresInMs: number | undefined
  /** Overrides per command type. */
  readonly handlers: Partial<{ [T in Command['type']]: (command: Extract<Command, { type: T }>, peer: FakePeer) => FakeAnswer | undefined }> = {}
  readonly #history = new Map<string, MessageFrame[]>()
  /** Offsets at or below this are gone from history, per channel. */
  readonly #trimmedTo = new Map<string, number>()
  readonly #keys = new Set<string>()
  readonly epoch = 'e1'

  /** SSE streams opened with a ticket, oldest first. */
  readonly streams: FakeStream[] = []
  /** How the fake treats SSE: `'refuse'` answers ticket requests with 503. */
  sseMode: 'accept' | 'refuse' = 'accept'
  readonly #tickets = new Map<string, Command>()
  readonly #lost = new Set<string>()

  /** The constructor to pass as the client's `WebSocket` option. */
  readonly WebSocket: typeof globalThis.WebSocket
  /** The constructor to pass as the client's `EventSource` option. */
  readonly EventSource: typeof globalThis.EventSource
  /** The function to pass as the client's `fetch` option (ticket and upstream POSTs). */
  readonly fetch: typeof globalThis.fetch

  constructor() {
    const server = this
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url, server)
      }
    } as unknown as typeof globalThis.WebSocket
    this.EventSource = class extends FakeStream {
      constructor(url: string) {
        super(url, server)
      }
    } as unknown as typeof globalThis.EventSource
    this.fetch = (async (url: string, init: RequestInit) => {
      const command = JSON.parse(init.body as string) as Command
      const respond = (status: number, body: unknown) => ({ ok: status < 300, status, json: async () => body }) as Response
      if (url.endsWith('/sse/ticket')) {
        if (this.sseMode === 'refuse') return respond(503, { error: { code: 'INTERNAL', message: 'SSE unavailable' } })
        const ticket = `tk${this.#tickets.size + 1}`
        this.#tickets.set(ticket, { ...command, token: (init.headers as Record<string, string>).authorization } as Command)
        return respond(200, { ticket })
      }
      const session = (init.headers as Record<string, string>)['lifeline-session']
      const stream = this.streams.find((candidate) => candidate.session === session && candidate.open && !this.#lost.has(session))
      if (!stream) return respond(404, { error: { code: 'SESSION_NOT_FOUND', message: 'gone' } })
      this.answer(command, stream)
      return respond(202, {})
    }) as typeof globalThis.fetch
  }

  /** The server forgets an SSE session while its stream stays open: upstream POSTs get 404 `SESSION_NOT_FOUND`. */
  loseSession(session: string): void {
    this.#lost.add(session)
  }

  /** @internal The connect command a ticket was issued for. */
  redeem(ticket: string): Command | undefined {
    const command = this.#tickets.get(ticket)
    this.#tickets.delete(ticket)
    return command
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
    const message: MessageFrame = { type: 'message', channel, event, data, pos, meta: { publisher: null, time: Date.now() } }
    history.push(message)
    for (const peer of [...this.sockets, ...this.streams]) if (peer.subscriptions.has(channel)) peer.push(message)
    return pos
  }

  /** Forgets a channel's history: a later `since` cannot be served (`recovered: false`). */
  trimHistory(channel: string): void {
    this.#trimmedTo.set(channel, this.#history.get(channel)?.length ?? 0)
  }

  /** @internal Called for each command a socket or stream received. */
  answer(command: Command, socket: FakePeer): void {
    this.commands.push(command)
    if (this.mode === 'silent') return
    const custom = (this.handlers[command.type] as ((command: Command, peer: FakePeer) => FakeAnswer | undefined) | undefined)?.(command, socket)
    const answer = custom ?? this.#default(command, socket)
    if (answer === 'ignore') return
    socket.push('error' in answer ? { type: 'reply', id: command.id, ok: false, error: answer.error } : { type: 'reply', id: command.id, ok: true, result: answer.result })
    if (command.type === 'subscribe' && 'result' in answer) this.#replay(command.channel, command.since, socket)
  }

  #default(command: Command, socket: FakePeer): FakeAnswer {
    const expiry = this.expiresInMs === undefined ? {} : { expiresInMs: this.expiresInMs }
    switch (command.type) {
      case 'connect':
        return { result: { session: socket.session, heartbeatMs: this.heartbeatMs, ...expiry } }
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

  #replay(channel: string, since: Position | undefined, socket: FakePeer): void {
    if (!since || since.epoch !== this.epoch || since.offset < (this.#trimmedTo.get(channel) ?? 0)) return
    for (const message of this.#history.get(channel)?.slice(since.offset) ?? []) socket.push(message)
  }
}

let sessions = 0

/** The server's end of one connection, WebSocket or SSE; the test drives the server side through it. */
export abstract class FakePeer {
  readonly session = `s${++sessions}`
  readonly subscriptions = new Set<string>()
  /** The client closed it (with this code). */
  closedWith: number | undefined
  #ended = false

  constructor(
    readonly url: string,
    readonly server: FakeServer,
  ) {}

  /** Whether the connection is still usable by either side. */
  get open(): boolean {
    return !this.#ended && this.closedWith === undefined
  }

  close(code = 1000): void {
    this.closedWith ??= code
  }

  /** Sends a frame (or raw text) to the client in a microtask. */
  push(frame: ServerFrame | string): void {
    queueMicrotask(() => this.open && this.deliver(typeof frame === 'string' ? frame : JSON.stringify(frame)))
  }

  /** The server side ends the connection. */
  drop(code = 1006, reason = ''): void {
    if (!this.open) return
    this.#ended = true
    this.ended(code, reason)
  }

  /** Sends disconnect advice, then closes, like the real server. */
  disconnect(code: number, retryAfterMs?: number): void {
    this.push({ type: 'disconnect', code, reason: 'test', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })
    queueMicrotask(() => this.drop(code, 'test'))
  }

  onmessage: ((event: { data: unknown }) => void) | null = null

  protected deliver(data: string): void {
    this.onmessage?.({ data })
  }

  protected abstract ended(code: number, reason: string): void
}

/** One fake WebSocket. */
export class FakeSocket extends FakePeer {
  onopen: ((event: unknown) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(url: string, server: FakeServer) {
    super(url, server)
    server.sockets.push(this)
    const mode = server.mode
    queueMicrotask(() => (mode === 'refuse' ? this.drop(1006, 'upgrade refused') : this.onopen?.({})))
  }

  send(text: string): void {
    if (!this.open) return
    const frame = JSON.parse(text) as ClientFrame
    this.server.received.push(frame)
    if (frame.type !== 'pong') this.server.answer(frame, this)
  }

  protected ended(code: number, reason: string): void {
    this.onclose?.({ code, reason })
  }
}

/** One fake EventSource, opened with a ticket from the fake's `fetch`. */
export class FakeStream extends FakePeer {
  onerror: ((event: unknown) => void) | null = null

  constructor(url: string, server: FakeServer) {
    super(url, server)
    server.streams.push(this)
    const connect = server.redeem(new URL(url).searchParams.get('ticket') ?? '')
    queueMicrotask(() => (connect ? server.answer(connect, this) : this.drop()))
  }

  protected ended(): void {
    this.onerror?.({})
  }
}
