import { RealtimeError } from './errors'
import { PROTOCOL_VERSION, type Command, type ErrorBody, type ConnectResult, type DisconnectFrame, type MessageFrame, type ResultMap, type ServerFrame } from './protocol/frames'
import type { Timers } from './timers'
import type { NetworkDeps, Transport, TransportFactory, TransportName } from './transports/transport'

/** A command without its id: the connection numbers commands itself. */
export type Request = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never

export interface Pending {
  ok(result: ResultMap[keyof ResultMap]): void
  fail(error: RealtimeError): void
}

export interface ConnectionHost extends NetworkDeps {
  url: string
  timers: Timers
  now(): number
  heartbeatGraceMs: number
  token(): string | undefined
  /** A pushed frame (message, error) on this connection. */
  push(connection: Connection, frame: MessageFrame | RealtimeError): void
  /** The connection ended on its own; `advice` is the server's disconnect frame, if one came. */
  lost(connection: Connection, code: number, error: RealtimeError, advice?: DisconnectFrame): void
  /** Every frame in and out, for the debug logger and the connection inspector. */
  trace(direction: 'in' | 'out', frame: ServerFrame | Command): void
}

/**
 * One handshake-complete (or trying to be) connection over one transport: numbers commands,
 * matches replies, and watches the heartbeat. The client above it decides what a loss means.
 */
export class Connection {
  session: string | undefined
  /** Round-trip time of the last ping (or the handshake), in ms. */
  rttMs: number | undefined
  openedAt = 0
  closed = false
  readonly #host: ConnectionHost
  readonly #pending = new Map<number, Pending>()
  #transport: Transport | undefined
  #lastId = 0
  #heartbeatMs = 0
  #watchdog: unknown
  #advice: DisconnectFrame | undefined

  constructor(
    readonly name: TransportName,
    host: ConnectionHost,
  ) {
    this.#host = host
  }

  /** Opens the transport and performs the handshake; rejects on refusal, close or timeout. */
  open(factory: TransportFactory, token: string | undefined, timeoutMs: number): Promise<ConnectResult> {
    const host = this.#host
    const started = host.now()
    return new Promise((resolve, reject) => {
      const timer = host.timers.setTimeout(() => this.close(new RealtimeError('CONNECT_TIMEOUT', this.name)), timeoutMs)
      const id = ++this.#lastId
      this.#pending.set(id, {
        ok: (result) => {
          host.timers.clearTimeout(timer)
          const connected = result as ConnectResult
          this.session = connected.session
          this.#heartbeatMs = connected.heartbeatMs
          this.openedAt = host.now()
          this.rttMs = this.openedAt - started
          this.#watch()
          resolve(connected)
        },
        fail: (error) => {
          host.timers.clearTimeout(timer)
          this.close()
          reject(error)
        },
      })
      const connect = { id, type: 'connect' as const, v: PROTOCOL_VERSION, ...(token === undefined ? {} : { token }) }
      host.trace('out', connect)
      try {
        this.#transport = factory({
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

  /** Sends a command; exactly one of `pending.ok` / `pending.fail` is called, synchronously with the reply frame. */
  request(request: Request, pending: Pending): void {
    if (this.closed) return pending.fail(closedError())
    const command = { ...request, id: ++this.#lastId } as Command
    this.#pending.set(command.id, pending)
    this.#host.trace('out', command)
    this.#transport!.send(command)
  }

  /** Pings now and treats the connection as dead without a reply in `timeoutMs` (after a wake from sleep). */
  check(timeoutMs: number): void {
    const { timers } = this.#host
    const timer = timers.setTimeout(() => this.#end(4004, 'no ping reply'), timeoutMs)
    this.request({ type: 'ping' }, { ok: () => timers.clearTimeout(timer), fail: () => timers.clearTimeout(timer) })
  }

  /** Ends the connection without reporting it as lost; pending commands fail with `TRANSPORT_CLOSED`. */
  close(error = closedError()): void {
    if (this.closed) return
    this.closed = true
    this.#host.timers.clearTimeout(this.#watchdog)
    this.#transport?.close()
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const { fail } of pending) fail(error)
  }

  #receive(frame: ServerFrame | undefined): void {
    if (this.closed) return
    if (!frame) return this.#end(4000, '', new RealtimeError('PROTOCOL_ERROR'))
    this.#host.trace('in', frame)
    this.#watch()
    switch (frame.type) {
      case 'reply': {
        const pending = this.#pending.get(frame.id)
        this.#pending.delete(frame.id)
        if (frame.ok) pending?.ok(frame.result)
        else pending?.fail(serverError(frame.error))
        return
      }
      case 'ping': {
        const sent = this.#host.now()
        // Answering with a ping command doubles as the RTT probe on both transports.
        return this.request({ type: 'ping' }, { ok: () => (this.rttMs = this.#host.now() - sent), fail: () => {} })
      }
      case 'disconnect':
        this.#advice = frame
        return
      case 'error':
        return this.#host.push(this, serverError(frame.error))
      case 'message':
        return this.#host.push(this, frame)
    }
  }

  // A peer silent for a heartbeat interval plus grace is gone, even if the socket never said so.
  #watch(): void {
    if (!this.#heartbeatMs) return
    const { timers, heartbeatGraceMs } = this.#host
    timers.clearTimeout(this.#watchdog)
    this.#watchdog = timers.setTimeout(() => this.#end(4004, 'heartbeat timeout'), this.#heartbeatMs + heartbeatGraceMs)
  }

  #end(code: number, reason: string, error?: RealtimeError): void {
    if (this.closed) return
    const advice = this.#advice
    const closeCode = advice?.code ?? code
    error ??= new RealtimeError(this.openedAt ? 'TRANSPORT_CLOSED' : 'CONNECT_FAILED', `${this.name} ${closeCode} ${reason}`)
    // Before the handshake completes, the opener's promise carries the failure; after, the host hears of it.
    this.close(error)
    if (this.openedAt) this.#host.lost(this, closeCode, error, advice)
  }
}

const closedError = () => new RealtimeError('TRANSPORT_CLOSED')
const serverError = ({ code, message, retryAfterMs }: ErrorBody) => new RealtimeError(code, message, { retryAfterMs })
