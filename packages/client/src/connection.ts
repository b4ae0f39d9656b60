import { RealtimeError, type RealtimeErrorCode } from './errors'
import { PROTOCOL_VERSION, type Command, type ConnectCommand, type ConnectResult, type DisconnectFrame, type ErrorBody, type MessageFrame, type UnsubscribedFrame, type ResultMap, type ServerFrame } from '@lifeline/protocol'
import { noop } from './timers'
import { sseTransport } from './transports/sseTransport'
import type { NetworkDeps, Transport, TransportFactory, TransportName } from './transports/transport'
import { webSocketTransport } from './transports/webSocketTransport'

const FACTORIES: Record<TransportName, TransportFactory> = { websocket: webSocketTransport, sse: sseTransport }

/** A command without its id: the connection numbers commands itself. */
export type Request = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never

/** Called exactly once per command, synchronously with its reply frame (or when the connection ends). */
export type Reply = (error: RealtimeError | undefined, result?: ResultMap[keyof ResultMap]) => void

export interface ConnectionHost extends NetworkDeps {
  url: string
  /** Runs `callback` after `ms`; returns the cancel. */
  schedule(callback: () => void, ms: number): () => void
  now(): number
  heartbeatGraceMs: number
  /** How long the handshake may take. */
  connectTimeoutMs: number
  token(): string | undefined
  /** A pushed message or error frame on this connection. */
  push(connection: Connection, frame: MessageFrame | UnsubscribedFrame | RealtimeError): void
  /**
   * The connection ended on its own after its handshake. `code` is the close code, or the one of
   * the server's disconnect frame when one came (whose `retryAfterMs` is then on `error`).
   */
  lost(connection: Connection, code: number, error: RealtimeError): void
  /** Every frame in and out, for the debug logger and stats. */
  trace(direction: 'in' | 'out', frame: ServerFrame | Command): void
}

/**
 * One connection over one transport: performs the handshake, numbers commands, matches replies,
 * and watches the heartbeat. The client above it decides what a loss means.
 */
export class Connection {
  session: string | undefined
  /** Round-trip time of the last ping (at first, of the handshake), in ms. */
  rttMs: number | undefined
  /** When the handshake completed; 0 before. */
  openedAt = 0
  closed = false
  readonly #host: ConnectionHost
  readonly #replies = new Map<number, Reply>()
  #transport: Transport | undefined
  #lastId = 0
  #heartbeatMs = 0
  #stopWatchdog = noop
  #advice: DisconnectFrame | undefined

  constructor(
    readonly name: TransportName,
    host: ConnectionHost,
  ) {
    this.#host = host
  }

  /** Opens the transport and performs the handshake; rejects on refusal, close or timeout (P3). */
  open(token: string | undefined): Promise<ConnectResult> {
    const host = this.#host
    const started = host.now()
    return new Promise((resolve, reject) => {
      const cancel = this.#deadline(host.connectTimeoutMs, 'CONNECT_TIMEOUT')
      // Without a token, `token: undefined` leaves the JSON frame.
      const connect = this.#track({ type: 'connect', v: PROTOCOL_VERSION, token }, (error, result) => {
        cancel()
        if (error) {
          this.close()
          return reject(error)
        }
        const connected = result as ConnectResult
        this.session = connected.session
        this.#heartbeatMs = connected.heartbeatMs
        this.openedAt = host.now()
        this.rttMs = this.openedAt - started
        this.#watch()
        resolve(connected)
      }) as ConnectCommand
      try {
        this.#transport = FACTORIES[this.name]({
          ...host,
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

  /** Numbers a command and waits for its reply. */
  #track(request: Request, reply: Reply): Command {
    const command = { ...request, id: ++this.#lastId } as Command
    this.#replies.set(command.id, reply)
    this.#host.trace('out', command)
    return command
  }

  /**
   * Sends a ping and measures the round trip. With `deadlineMs`, a reply that does not come in time
   * ends the connection as lost: the check for a link that may have died unseen (after a sleep).
   */
  ping(deadlineMs?: number): void {
    const host = this.#host
    const sent = host.now()
    const cancel = deadlineMs === undefined ? noop : this.#deadline(deadlineMs)
    this.request({ type: 'ping' }, (error) => {
      cancel()
      if (!error) this.rttMs = host.now() - sent
    })
  }

  /** Ends the connection without reporting it as lost; waiting commands get `error`. */
  close(error = closedError()): void {
    if (this.closed) return
    this.closed = true
    this.#stopWatchdog()
    this.#transport?.close()
    // Nothing can be added any more: `request` answers at once once closed.
    for (const reply of this.#replies.values()) reply(error)
    this.#replies.clear()
  }

  #receive(frame: ServerFrame | undefined): void {
    if (this.closed) return
    if (!frame) return this.#end(4000, 'unreadable frame', 'PROTOCOL_ERROR')
    const host = this.#host
    host.trace('in', frame)
    this.#watch()
    if (frame.type === 'reply') {
      const reply = this.#replies.get(frame.id)
      this.#replies.delete(frame.id)
      reply?.(frame.ok ? undefined : serverError(frame.error), frame.ok ? frame.result : undefined)
    } else if (frame.type === 'ping') {
      // Answering with a ping command doubles as the RTT probe, on both transports.
      this.ping()
    } else if (frame.type === 'disconnect') this.#advice = frame
    else host.push(this, frame.type === 'error' ? serverError(frame.error) : frame)
  }

  // A peer silent for a heartbeat interval plus grace is gone, even if the socket never said so
  // (P7). After a sleep this timer is overdue and fires on wake.
  #watch(): void {
    this.#stopWatchdog()
    if (this.#heartbeatMs) this.#stopWatchdog = this.#deadline(this.#heartbeatMs + this.#host.heartbeatGraceMs)
  }

  /** Ends the connection after `ms` (the peer did not answer in time, P7); returns the cancel. */
  #deadline(ms: number, errorCode?: RealtimeErrorCode): () => void {
    return this.#host.schedule(() => this.#end(4004, 'timeout', errorCode), ms)
  }

  #end(code: number, reason: string, errorCode?: RealtimeErrorCode): void {
    if (this.closed) return
    const advice = this.#advice
    const closeCode = advice?.code ?? code
    const error = new RealtimeError(errorCode ?? (this.openedAt ? 'TRANSPORT_CLOSED' : 'CONNECT_FAILED'), `${this.name} ${closeCode} ${reason}`, { retryAfterMs: advice?.retryAfterMs })
    // Before the handshake completes, the opener's promise carries the failure; after, the host hears of it.
    this.close(error)
    if (this.openedAt) this.#host.lost(this, closeCode, error)
  }
}

const closedError = () => new RealtimeError('TRANSPORT_CLOSED')
const serverError = ({ code, message, retryAfterMs }: ErrorBody) => new RealtimeError(code, message, { retryAfterMs })
