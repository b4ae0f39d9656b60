import type { Emitter } from 'mitt'
import type { ConnectResult, MessageFrame, PresenceFrame, UnsubscribedFrame } from '@lifeline/protocol'
import { backoff } from './backoff'
import { Connection, type ConnectionDeps } from './connection'
import { IDLE, reduceConnection, type ConnectionAction, type ConnectionSnapshot } from './connectionState'
import type { CurrentConnection } from './currentConnection'
import { RealtimeError, type Diagnosis } from './errors'
import { watchLifecycle } from './lifecycle'
import { DEFAULT_OPTIONS, type ResolvedOptions } from './options'
import type { Outbox } from './outbox'
import { recoveryFor } from './recoveryPolicy'
import { noop } from './timers'
import type { TokenManager, TokenReason } from './tokenManager'
import { tokenRefresh } from './tokenRefresh'
import { TransportChoice } from './transportChoice'
import { transportMemory } from './transportMemory'
import type { ClientEvents } from './types'

/** The private event behind `onState`: the snapshot changed. */
export const kChange = Symbol('change')

export type ClientEmitter = Emitter<ClientEvents & { [kChange]: void }>

/** What the connector needs from the client around it. */
export interface ConnectorParts {
  events: ClientEmitter
  tokens: TokenManager
  outbox: Outbox
  current: CurrentConnection
  schedule(callback: () => void, ms: number): () => void
  /** A message or `unsubscribed` frame for a channel. */
  push(connection: Connection, frame: MessageFrame | PresenceFrame | UnsubscribedFrame): void
  trace: ConnectionDeps['trace']
}

/**
 * Keeps the client connected: gets a token, lets the transport choice find a connection, adopts
 * it, and after any failure does what the recovery policy says (retry after backoff, at once, with
 * a new token, or stop). Owns the connection state: every change goes through the reducer.
 */
export class Connector {
  snapshot: ConnectionSnapshot = IDLE
  /** Reconnect attempts scheduled since the client was created. */
  reconnects = 0
  readonly #options: ResolvedOptions
  readonly #parts: ConnectorParts
  readonly #choice: TransportChoice
  /** Call with each reply that says how long the token lives. */
  readonly #accepted: (connection: Connection, expiresInMs: number | undefined) => void
  /** Bumped on every start and stop: a token that arrives for an older run is dropped. */
  #run = 0
  #cancelRetry = noop
  #cancelStable = noop
  #detach = noop
  /** The transport of the last connection, for the `transport` event's `prevTransport`. */
  #lastTransport: ConnectionSnapshot['transport']

  constructor(options: ResolvedOptions, parts: ConnectorParts) {
    this.#options = options
    this.#parts = parts
    const { tokens, current, schedule } = parts
    this.#accepted = tokenRefresh(tokens, current, schedule, { stop: (error) => this.stop(error), error: (error) => this.#error(error) })
    const connectionDeps: ConnectionDeps = {
      ...options,
      schedule,
      token: () => tokens.current,
      push: (connection, frame) => (frame instanceof RealtimeError ? this.#error(frame) : parts.push(connection, frame)),
      lost: (connection, code, error) => {
        this.#choice.lost(connection, code)
        this.#halt()
        this.#recover(error, code)
      },
      trace: parts.trace,
    }
    this.#choice = new TransportChoice({
      ...options,
      schedule,
      current,
      memory: transportMemory(options.url, options.blockedTtlMs, options.now, options.storage),
      connection: (name) => new Connection(name, connectionDeps),
      token: () => tokens.get('connect'),
      adopt: (connection, result, diagnosis) => this.#adopt(connection, result, diagnosis),
      failed: (error) => this.#recover(error),
      found: (error) => this.#diagnosed(error.code, error),
    })
  }

  /** Between `start()` and the stop (`disconnect()` or a terminal error). */
  get started(): boolean {
    const { status } = this.snapshot
    return status !== 'idle' && status !== 'disconnected'
  }

  start(): void {
    const { lifecycleTarget, timers, now } = this.#options
    this.#detach = watchLifecycle(
      lifecycleTarget,
      {
        // Also when no `offline` came first (a Wi-Fi switch): waiting out a backoff, try now; on a
        // connection, ask it now, since the network under it changed.
        online: () => (this.snapshot.status === 'offline' ? this.#retry(undefined, 0) : this.#resume()),
        offline: () => this.#pause({ type: 'offline' }),
        resume: () => this.#resume(),
        suspend: () => this.#pause({ type: 'retry', error: undefined, retryAt: undefined }),
      },
      timers,
      now,
    )
    // The attempt first: a listener of the change may stop the client, and the stop drops it.
    void this.#attempt()
    this.#dispatch({ type: 'connect' })
  }

  /** Closes everything and stops for good, with `error` when it is terminal. */
  stop(error: RealtimeError | undefined): void {
    this.#halt()
    this.#parts.tokens.abandon()
    this.#detach()
    this.#detach = noop
    // Before the state is reported: a listener may connect again and publish, and that publish stays.
    this.#parts.outbox.rejectAll(error ?? new RealtimeError('CLIENT_CLOSED'))
    this.#dispatch({ type: 'stop', error })
    if (error) this.#error(error)
  }

  #dispatch(action: ConnectionAction): void {
    const previous = this.snapshot
    const next = reduceConnection(previous, action)
    if (next === previous) return
    this.snapshot = next
    this.#options.logger?.(`state ${action.type}`, next)
    const { events } = this.#parts
    events.emit(kChange)
    // Not when a listener of the change moved the state on (disconnect() on connected): stale by then.
    if (next.status !== previous.status && this.snapshot === next) events.emit('status', { status: next.status, prevStatus: previous.status })
  }

  #error(error: RealtimeError): void {
    this.#options.logger?.('error', error)
    this.#parts.events.emit('error', error)
  }

  /** The client found out something new about the network: in the snapshot, and as an `error` event. */
  #diagnosed(diagnosis: Diagnosis, error: RealtimeError): void {
    if (diagnosis === this.snapshot.diagnosis) return
    this.#dispatch({ type: 'diagnosis', diagnosis })
    this.#error(error)
  }

  /** Gets a token, then one attempt over the transports. */
  async #attempt(reason: TokenReason = 'connect'): Promise<void> {
    const run = ++this.#run
    let token: string | undefined
    try {
      token = await this.#parts.tokens.get(reason)
    } catch (error) {
      // getToken threw: UnauthorizedError (UNAUTHORIZED) stops, anything else (TOKEN_FAILED) backs off.
      if (run !== this.#run) return
      const failure = error as RealtimeError
      return failure.code === 'UNAUTHORIZED' ? this.stop(failure) : this.#recover(failure)
    }
    if (run === this.#run) this.#choice.start(token)
  }

  #adopt(connection: Connection, result: ConnectResult, diagnosis: Diagnosis | undefined): void {
    const { current, outbox, events, schedule } = this.#parts
    // The connection before (on a move to a better transport) is closed: its unacknowledged
    // publishes go out again on this one, safely, and its channels subscribe here from their last position.
    current.set(connection)
    outbox.flush(connection)
    // App listeners below (and a channel's, above) may stop the client: its timers are set first,
    // so the stop cancels them, and nothing is reported after it.
    const live = () => current.get() === connection
    if (!live()) return
    this.#cancelStable()
    this.#cancelStable = schedule(() => {
      this.#dispatch({ type: 'stable' })
      this.#choice.stable(connection)
    }, this.#options.minUptimeMs)
    this.#accepted(connection, result.expiresInMs)
    const { name } = connection
    const known = this.snapshot.diagnosis
    this.#dispatch({ type: 'connected', transport: name, diagnosis })
    if (!live()) return
    if (diagnosis && diagnosis !== known) this.#error(new RealtimeError(diagnosis))
    if (name !== this.#lastTransport) {
      events.emit('transport', { transport: name, prevTransport: this.#lastTransport })
      this.#lastTransport = name
    }
  }

  /** After any failure, what the recovery policy says: retry (after backoff, at once, with a new token) or stop. */
  #recover(error: RealtimeError, closeCode?: number): void {
    const { tokens } = this.#parts
    const { action, error: final } = recoveryFor(error, closeCode, tokens.renewable)
    if (action === 'stop') return this.stop(final)
    if (action === 'refresh') tokens.rejected()
    const run = this.#run
    this.#error(error)
    // Unless a listener of the error stopped (or started again) the client. 'reconnect-now': the
    // server restarts or rebalances; come back at once, but spread over its window.
    if (run === this.#run) this.#retry(error, action === 'reconnect-now' ? Math.floor(this.#options.random() * (error.retryAfterMs ?? 1000)) : undefined, action === 'refresh' ? 'rejected' : 'connect')
  }

  /** Schedules the next attempt with backoff. */
  #retry(error: RealtimeError | undefined, delayMs?: number, reason: TokenReason = 'connect'): void {
    // An attempt still in flight (a resume while reconnecting) must not adopt its connection.
    this.#halt()
    const { attempt } = this.snapshot
    const { maxReconnectAttempts, now } = this.#options
    if (error && attempt >= maxReconnectAttempts) return this.stop(new RealtimeError('MAX_ATTEMPTS', undefined, { cause: error }))
    const delay = delayMs ?? this.backoff(attempt, error)
    this.reconnects += 1
    this.#cancelRetry = this.#parts.schedule(() => void this.#attempt(reason), delay)
    // Last: a listener of the change may stop the client, and the stop cancels the retry.
    this.#dispatch({ type: 'retry', error, retryAt: now() + delay })
  }

  /** The wait before retry `attempt` after `error`: the configured backoff, never under the server's `retryAfterMs`. */
  backoff(attempt: number, error: RealtimeError | undefined): number {
    const { reconnectDelay, random } = this.#options
    const own = typeof reconnectDelay === 'function' ? reconnectDelay(attempt, error) : backoff(attempt, reconnectDelay as { minMs: number; maxMs: number }, random)
    // A function that gives no number (missing its `return`, NaN, negative): the default backoff,
    // since a NaN delay would retry at once, again and again. Bounds are checked at construction.
    const delay = own >= 0 ? own : backoff(attempt, DEFAULT_OPTIONS.reconnectDelay as { minMs: number; maxMs: number }, random)
    return Math.max(error?.retryAfterMs ?? 0, delay)
  }

  /** Offline or entering the back/forward cache: drop the connection and wait for a resume. */
  #pause(action: ConnectionAction): void {
    if (!this.started) return
    this.#halt()
    this.#dispatch(action)
  }

  #resume(): void {
    if (this.snapshot.status === 'reconnecting') this.#retry(undefined, 0)
    // A link that died during a sleep would look alive until its next check: ask it now.
    else this.#parts.current.get()?.check(this.#options.connectTimeoutMs)
  }

  /** Cancels every timer and closes every connection, without reporting anything. */
  #halt(): void {
    this.#run += 1
    this.#cancelRetry()
    this.#cancelStable()
    this.#choice.stop()
    this.#parts.current.set(undefined)
  }
}
