import {
  closeInfo,
  PROTOCOL_VERSION,
  type ClientFrame,
  type Command,
  type ConnectCommand,
  type ConnectResult,
  type DisconnectFrame,
  type ErrorBody,
  type MessageFrame,
  type PresenceFrame,
  type ResultMap,
  type ServerFrame,
  type TransportName,
  type UnsubscribedFrame,
} from '@lifeline/protocol'
import { RealtimeError, type RealtimeErrorCode } from './errors'
import { noop } from './timers'
import { longPollingTransport } from './transports/longPollingTransport'
import { sseTransport } from './transports/sseTransport'
import type { NetworkDeps, Transport, TransportFactory } from './transports/transport'
import { webSocketTransport } from './transports/webSocketTransport'

const FACTORIES: Record<TransportName, TransportFactory> = { websocket: webSocketTransport, sse: sseTransport, 'long-polling': longPollingTransport }

/** A command without its id: the connection numbers commands itself. */
export type Request = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never

/** Called exactly once per command, synchronously with its reply frame (or when the connection ends). */
export type Reply = (error: RealtimeError | undefined, result?: ResultMap[keyof ResultMap]) => void

/** What a connection needs from the client. */
export interface ConnectionDeps extends NetworkDeps {
  url: string
  /** Runs `callback` after `ms`; returns the cancel. */
  schedule(callback: () => void, ms: number): () => void
  now(): number
  /** How long the handshake may take. */
  connectTimeoutMs: number
  /** Silence after which the connection counts as dead; the client pings before that. */
  livenessMs: number
  token(): string | undefined
  /** A pushed message, presence, `unsubscribed` or error frame. */
  push(connection: Connection, frame: MessageFrame | PresenceFrame | UnsubscribedFrame | RealtimeError): void
  /**
   * The connection ended on its own after its handshake. `code` is the close code, or the one of
   * the server's disconnect frame when one came (whose `retryAfterMs` is then on `error`).
   */
  lost(connection: Connection, code: number, error: RealtimeError): void
  /** Every frame in and out, for the debug logger and stats. */
  trace(direction: 'in' | 'out', frame: ServerFrame | ClientFrame): void
  /** @internal Carries the frames instead of the transport `name` stands for (tab sharing links tabs this way). */
  transport?: TransportFactory
}

const PONG: ClientFrame = { type: 'pong' }

/** Close code a connection reports when its peer stopped answering. */
const SILENT = 4004

/**
 * One connection over one transport: performs the handshake, numbers commands, matches replies,
 * and notices a peer that went silent. The client above it decides what a loss means.
 */
export class Connection {
  session: string | undefined
  /** Round-trip time of the last ping (at first, of the handshake), in ms. */
  rttMs: number | undefined
  /** When the handshake completed; 0 before. */
  openedAt = 0
  closed = false
  readonly #deps: ConnectionDeps
  readonly #replies = new Map<number, Reply>()
  #transport: Transport | undefined
  #lastId = 0
  #stopWatch = noop
  #advice: DisconnectFrame | undefined

  constructor(
    readonly name: TransportName,
    deps: ConnectionDeps,
  ) {
    this.#deps = deps
  }

  /**
   * Opens the transport and performs the handshake. Rejects on refusal, close or timeout, with a
   * code that says how far it got (`UPGRADE_REFUSED`, `WEBSOCKET_SILENT`, `SSE_BUFFERED`, …).
   */
  open(token: string | undefined): Promise<ConnectResult> {
    const deps = this.#deps
    const started = deps.now()
    return new Promise((resolve, reject) => {
      const cancel = deps.schedule(() => this.#end(SILENT, 'timeout', this.#transport?.stalled ?? 'CONNECT_TIMEOUT'), deps.connectTimeoutMs)
      // Without a token, `token: undefined` leaves the JSON frame.
      const connect = this.#track({ type: 'connect', v: PROTOCOL_VERSION, token }, (error, result) => {
        cancel()
        if (error || !result) {
          this.close()
          return reject(error ?? new RealtimeError('PROTOCOL_ERROR'))
        }
        const connected = result as ConnectResult
        this.session = connected.session
        this.openedAt = deps.now()
        this.rttMs = this.openedAt - started
        this.#watch()
        resolve(connected)
      }) as ConnectCommand
      try {
        this.#transport = (deps.transport ?? FACTORIES[this.name])({
          ...deps,
          connect,
          session: () => this.session,
          receive: (frame) => this.#receive(frame),
          closed: (code, reason) => this.#end(code, reason),
        })
      } catch (cause) {
        // For example a WebSocket constructor refusing the URL (CSP, bad scheme).
        this.close(new RealtimeError('CONNECT_FAILED', this.name, { cause }))
      }
    })
  }

  /** Sends a command; `reply` is called exactly once. */
  request(request: Request, reply: Reply): void {
    if (this.closed) return reply(closedError())
    this.#transport!.send(this.#track(request, reply))
  }

  /**
   * Pings now: any frame within `deadlineMs` proves the link alive, none ends the connection as
   * lost. Used when the link has been quiet, and after a sleep or a return to the page, when a dead
   * link would otherwise look alive until the next check.
   */
  check(deadlineMs: number): void {
    const { now, schedule } = this.#deps
    const sent = now()
    this.#stopWatch()
    this.#stopWatch = schedule(() => this.#end(SILENT, 'no answer'), deadlineMs)
    this.request({ type: 'ping' }, (error) => error || (this.rttMs = now() - sent))
  }

  /** Ends the connection without reporting it as lost; waiting commands get `error`. */
  close(error = closedError()): void {
    if (this.closed) return
    this.closed = true
    this.#stopWatch()
    this.#transport?.close()
    // Nothing can be added any more: `request` answers at once once closed.
    for (const reply of this.#replies.values()) reply(error)
    this.#replies.clear()
  }

  /** Numbers a command and waits for its reply. */
  #track(request: Request, reply: Reply): Command {
    const command = { ...request, id: ++this.#lastId } as Command
    this.#replies.set(command.id, reply)
    this.#deps.trace('out', command)
    return command
  }

  #receive(frame: ServerFrame | undefined): void {
    if (this.closed) return
    if (!frame) return this.#end(4000, 'unreadable frame', 'PROTOCOL_ERROR')
    this.#deps.trace('in', frame)
    if (this.openedAt) this.#watch()
    // A frame of the right type with the wrong fields (a reply `ok` without its `result`) throws in
    // the code that reads it: end the connection as a protocol error rather than hang.
    try {
      this.#handle(frame)
    } catch {
      this.#end(4000, 'unreadable frame', 'PROTOCOL_ERROR')
    }
  }

  #handle(frame: ServerFrame): void {
    const deps = this.#deps
    switch (frame.type) {
      case 'reply': {
        const reply = this.#replies.get(frame.id)
        this.#replies.delete(frame.id)
        return reply?.(frame.ok ? undefined : serverError(frame.error), frame.ok ? frame.result : undefined)
      }
      case 'ping':
        // The server's heartbeat; over WebSocket the protocol wants a pong (HTTP transports need none).
        if (this.name === 'websocket') {
          deps.trace('out', PONG)
          this.#transport!.send(PONG)
        }
        return
      case 'disconnect':
        return void (this.#advice = frame)
      case 'error':
        return deps.push(this, serverError(frame.error))
      case 'message':
      case 'presence':
      case 'unsubscribed':
        return deps.push(this, frame)
      default:
        // Long-polling batches carry frames as JSON values, not text: their type is checked here.
        this.#end(4000, 'unknown frame', 'PROTOCOL_ERROR')
    }
  }

  /**
   * Any frame proves the link alive. After a quiet spell the client pings, early enough that a link
   * gone silent is found within `livenessMs`; the answer gets four round trips (a slow mobile link
   * is pinged sooner), at least 1 s (one quick round trip says little about the next) and at most
   * half of `livenessMs`. An idle link thus carries one small ping and its reply about every 9 s,
   * and servers skip their own heartbeat while the client sends.
   * After a sleep this timer is overdue and fires on wake.
   */
  #watch(): void {
    const { livenessMs, schedule } = this.#deps
    const answerMs = Math.min(livenessMs / 2, Math.max(1000, 4 * this.rttMs!))
    this.#stopWatch()
    this.#stopWatch = schedule(() => this.check(answerMs), livenessMs - answerMs)
  }

  #end(code: number, reason: string, errorCode?: RealtimeErrorCode): void {
    if (this.closed) return
    const advice = this.#advice
    const closeCode = advice?.code ?? code
    // Before the handshake, a WebSocket that closes was refused (by a proxy, or the server's upgrade
    // handler), unless the server said why first (over its connection cap: 4002, retry later):
    // then it is the server's refusal, with its code and retryAfterMs, not a proxy's.
    const failure = this.openedAt ? 'TRANSPORT_CLOSED' : advice ? (closeInfo(advice.code).error ?? 'UNAVAILABLE') : this.name === 'websocket' ? 'UPGRADE_REFUSED' : 'CONNECT_FAILED'
    const error = new RealtimeError(errorCode ?? failure, `${this.name} ${closeCode} ${reason}`, { retryAfterMs: advice?.retryAfterMs })
    // Before the handshake completes, the opener's promise carries the failure; after, the client hears of it.
    this.close(error)
    if (this.openedAt) this.#deps.lost(this, closeCode, error)
  }
}

const closedError = () => new RealtimeError('TRANSPORT_CLOSED')
/** The error a server's error body stands for (its `retryAfterMs` included). */
export const serverError = (body: ErrorBody) => new RealtimeError(body.code, body.message, body)
