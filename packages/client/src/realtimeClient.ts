import mitt from 'mitt'
import { isChannel, type ConnectResult, type PublishResult, type TransportName } from '@lifeline/protocol'
import { backoff } from './backoff'
import { Channel, type ChannelDeps, type EventMap } from './channel'
import { Connection, type ConnectionDeps } from './connection'
import { IDLE, reduceConnection, type ConnectionAction, type ConnectionSnapshot, type ConnectionStatus } from './connectionState'
import { CurrentConnection } from './currentConnection'
import { RealtimeError, type Diagnosis } from './errors'
import { watchLifecycle } from './lifecycle'
import { listen } from './listen'
import { resolveOptions, type RealtimeClientOptions, type ResolvedOptions } from './options'
import { Outbox } from './outbox'
import { recoveryFor } from './recoveryPolicy'
import { noop } from './timers'
import { TokenManager, type TokenReason } from './tokenManager'
import { tokenRefresh } from './tokenRefresh'
import { TransportChoice } from './transportChoice'
import { transportMemory } from './transportMemory'

/** Events of the client; listen with `client.on(type, handler)`. */
export type ClientEvents = {
  /** The connection status changed. */
  status: { status: ConnectionStatus; prevStatus: ConnectionStatus }
  /** Messages now flow over another transport (a fallback, or the move back to a better one). */
  transport: { transport: TransportName; prevTransport: TransportName | undefined }
  /** Something failed, or the client found out something about the network; it already handles it (falls back, retries or stops) and tells you. */
  error: RealtimeError
}

export interface ClientStats {
  status: ConnectionStatus
  transport: TransportName | undefined
  /** Round-trip time of the last ping, in ms. */
  rttMs: number | undefined
  /** Reconnect attempts scheduled since the client was created. */
  reconnects: number
  /** Frames received since the client was created, over every connection. */
  framesIn: number
  /** Frames sent since the client was created, over every connection. */
  framesOut: number
}

/** Event maps per channel name; template-literal keys cover families such as `user:${string}`. */
export type ChannelMap = Record<string, EventMap>
/** The event map of channel `N` in `Channels` (any events when the map does not name it). */
export type ChannelEvents<Channels extends ChannelMap, N extends string> = N extends keyof Channels ? Channels[N] : EventMap

/** The private event behind `subscribe`: the snapshot changed. */
const kChange = Symbol('change')

/**
 * The Lifeline client: one connection to the server over the best transport that gets through
 * (WebSocket, then SSE, then long-polling), channels with recovery, publishes with an offline
 * queue. Framework-agnostic; React binds to `subscribe`/`getSnapshot`.
 * @example
 * const client = new RealtimeClient({ url: 'https://rt.example.com', getToken: () => fetchToken() })
 * client.connect()
 * const stop = client.channel('leaderboard').subscribe()
 * client.channel('leaderboard').on('scores', (scores) => render(scores))
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md
 */
export class RealtimeClient<Channels extends ChannelMap = ChannelMap> {
  readonly #options: ResolvedOptions
  readonly #events = mitt<ClientEvents & { [kChange]: void }>()
  readonly #channels = new Map<string, Channel>()
  readonly #current = new CurrentConnection()
  readonly #tokens: TokenManager
  readonly #outbox: Outbox
  readonly #choice: TransportChoice
  readonly #channelDeps: ChannelDeps
  readonly #schedule: (callback: () => void, ms: number) => () => void
  /** Call with each reply that says how long the token lives. */
  readonly #accepted: (connection: Connection, expiresInMs: number | undefined) => void
  #snapshot: ConnectionSnapshot = IDLE
  /** Bumped on every start and stop: a token that arrives for an older run is dropped. */
  #run = 0
  #cancelRetry = noop
  #cancelStable = noop
  #detach = noop
  /** The transport of the last connection, for the `transport` event's `prevTransport`. */
  #lastTransport: TransportName | undefined
  #stats = { reconnects: 0, framesIn: 0, framesOut: 0 }

  constructor(options: RealtimeClientOptions) {
    const resolved = resolveOptions(options)
    this.#options = resolved
    const { now, random, timers, logger } = resolved
    const schedule = (callback: () => void, ms: number) => {
      const handle = timers.setTimeout(callback, ms)
      return () => timers.clearTimeout(handle)
    }
    this.#schedule = schedule
    const current = this.#current
    // Idempotency keys: unique to this client, numbered per publish.
    const keyPrefix = random().toString(36).slice(2, 10)
    let published = 0
    // getToken is part of a connect attempt, so it gets the attempt's time limit.
    const tokens = (this.#tokens = new TokenManager(resolved.getToken, now, schedule, resolved.connectTimeoutMs))
    this.#outbox = new Outbox({ ...resolved, current, schedule })
    this.#channelDeps = {
      ...resolved,
      current,
      schedule,
      publish: (channel, event, data) => this.#outbox.add({ type: 'publish', channel, event, data, key: `${keyPrefix}-${++published}` }),
      retryDelay: (attempt, error) => this.#backoff(attempt, error),
    }
    this.#accepted = tokenRefresh(tokens, current, schedule, { stop: (error) => this.#stop(error), error: (error) => this.#error(error) })
    const connectionDeps: ConnectionDeps = {
      ...resolved,
      schedule,
      token: () => tokens.current,
      push: (connection, frame) => {
        if (frame instanceof RealtimeError) return this.#error(frame)
        const channel = this.#channels.get(frame.channel)
        if (frame.type === 'message') channel?.receive(connection, frame)
        else channel?.ended(connection, new RealtimeError(frame.error.code, frame.error.message, { retryAfterMs: frame.error.retryAfterMs }))
      },
      lost: (connection, code, error) => {
        this.#choice.lost(connection)
        this.#halt()
        this.#recover(error, code)
      },
      trace: (direction, frame) => {
        this.#stats[direction === 'in' ? 'framesIn' : 'framesOut'] += 1
        logger?.(direction, frame)
      },
    }
    this.#choice = new TransportChoice({
      ...resolved,
      schedule,
      current,
      memory: transportMemory(resolved.url, resolved.blockedTtlMs, now, resolved.storage),
      connection: (name) => new Connection(name, connectionDeps),
      token: () => tokens.get('connect'),
      adopt: (connection, result, diagnosis) => this.#adopt(connection, result, diagnosis),
      failed: (error) => this.#recover(error),
      found: (error) => this.#diagnosed(error.code, error),
    })
  }

  /** Starts connecting; no-op while already started. Call `disconnect()` to stop. */
  connect(): void {
    if (this.#started()) return
    this.#detach = watchLifecycle(
      this.#options.lifecycleTarget,
      {
        online: () => this.#snapshot.status === 'offline' && this.#retry(undefined, 0),
        offline: () => this.#pause({ type: 'offline' }),
        resume: () => this.#resume(),
        suspend: () => this.#pause({ type: 'retry', error: undefined, retryAt: undefined }),
      },
      this.#options.timers,
      this.#options.now,
    )
    this.#dispatch({ type: 'connect' })
    void this.#attempt()
  }

  /** Closes the connection and stops reconnecting. Waiting publishes reject with `CLIENT_CLOSED`. */
  disconnect(): void {
    if (this.#started()) this.#stop(undefined)
  }

  /**
   * Resolves once connected; rejects when the client stops, or with `TIMEOUT` after `timeoutMs`.
   * @example await client.ready(10_000)
   */
  ready(timeoutMs?: number): Promise<void> {
    let stop = noop
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        const { status, error } = this.#snapshot
        if (status === 'connected') resolve()
        if (status === 'disconnected') reject(error ?? new RealtimeError('CLIENT_CLOSED'))
      }
      const unwatch = this.subscribe(check)
      const cancel = timeoutMs === undefined ? noop : this.#schedule(() => reject(new RealtimeError('TIMEOUT')), timeoutMs)
      stop = () => (unwatch(), cancel())
      check()
    }).finally(() => stop())
  }

  /**
   * The handle of one channel (always the same object for a name). Subscribing is explicit:
   * `channel.subscribe()` returns its release.
   * @throws {TypeError} for a name the protocol does not allow
   */
  channel<Events extends EventMap = never, N extends string = string>(name: N): Channel<[Events] extends [never] ? ChannelEvents<Channels, N> : Events> {
    if (!isChannel(name)) throw new TypeError(`RealtimeClient: invalid channel name "${name}"`)
    let channel = this.#channels.get(name)
    if (!channel) this.#channels.set(name, (channel = new Channel(name, this.#channelDeps)))
    return channel as never
  }

  /** Listens to a client event; returns the unsubscribe. */
  on<K extends keyof ClientEvents>(type: K, handler: (event: ClientEvents[K]) => void): () => void {
    return listen(this.#events, type, handler)
  }

  /** Calls `listener` whenever {@link getSnapshot} changes (the `useSyncExternalStore` contract). */
  subscribe(listener: () => void): () => void {
    return listen(this.#events, kChange, listener)
  }

  /** The current connection state; the same object until something changes. */
  getSnapshot(): ConnectionSnapshot {
    return this.#snapshot
  }

  stats(): ClientStats {
    const { status, transport } = this.#snapshot
    return { status, transport, rttMs: this.#current.get()?.rttMs, ...this.#stats }
  }

  /** Between `connect()` and the stop (`disconnect()` or a terminal error). */
  #started(): boolean {
    const { status } = this.#snapshot
    return status !== 'idle' && status !== 'disconnected'
  }

  #dispatch(action: ConnectionAction): void {
    const previous = this.#snapshot
    const next = reduceConnection(previous, action)
    if (next === previous) return
    this.#snapshot = next
    this.#options.logger?.(`state ${action.type}`, next)
    this.#events.emit(kChange)
    if (next.status !== previous.status) this.#events.emit('status', { status: next.status, prevStatus: previous.status })
  }

  #error(error: RealtimeError): void {
    this.#options.logger?.('error', error)
    this.#events.emit('error', error)
  }

  /** The client found out something new about the network: in the snapshot, and as an `error` event. */
  #diagnosed(diagnosis: Diagnosis, error: RealtimeError): void {
    if (diagnosis === this.#snapshot.diagnosis) return
    this.#dispatch({ type: 'diagnosis', diagnosis })
    this.#error(error)
  }

  /** Gets a token, then one attempt over the transports. */
  async #attempt(reason: TokenReason = 'connect'): Promise<void> {
    const run = ++this.#run
    let token: string | undefined
    try {
      token = await this.#tokens.get(reason)
    } catch (error) {
      // getToken threw: UnauthorizedError (UNAUTHORIZED) stops, anything else (TOKEN_FAILED) backs off.
      if (run !== this.#run) return
      const failure = error as RealtimeError
      return failure.code === 'UNAUTHORIZED' ? this.#stop(failure) : this.#recover(failure)
    }
    if (run === this.#run) this.#choice.start(token)
  }

  #adopt(connection: Connection, result: ConnectResult, diagnosis: Diagnosis | undefined): void {
    // The connection before (on a move to a better transport) is closed: its unacknowledged
    // publishes go out again on this one, safely, and its channels subscribe here from their last position.
    this.#current.set(connection)
    this.#outbox.flush(connection)
    const { name } = connection
    const known = this.#snapshot.diagnosis
    this.#dispatch({ type: 'connected', transport: name, diagnosis })
    if (diagnosis && diagnosis !== known) this.#error(new RealtimeError(diagnosis))
    if (name !== this.#lastTransport) {
      this.#events.emit('transport', { transport: name, prevTransport: this.#lastTransport })
      this.#lastTransport = name
    }
    this.#cancelStable()
    this.#cancelStable = this.#schedule(() => {
      this.#dispatch({ type: 'stable' })
      this.#choice.stable(connection)
    }, this.#options.minUptimeMs)
    this.#accepted(connection, result.expiresInMs)
  }

  /** After any failure, what the recovery policy says: retry (after backoff, at once, with a new token) or stop. */
  #recover(error: RealtimeError, closeCode?: number): void {
    const { action, error: final } = recoveryFor(error, closeCode, this.#tokens.renewable)
    if (action === 'stop') return this.#stop(final)
    if (action === 'refresh') this.#tokens.rejected()
    this.#error(error)
    // 'reconnect-now': the server restarts or rebalances; come back at once, but spread over its window.
    this.#retry(error, action === 'reconnect-now' ? Math.floor(this.#options.random() * (error.retryAfterMs ?? 1000)) : undefined, action === 'refresh' ? 'rejected' : 'connect')
  }

  /** Schedules the next attempt with backoff, unless the browser is offline. */
  #retry(error: RealtimeError | undefined, delayMs?: number, reason: TokenReason = 'connect'): void {
    // An attempt still in flight (a resume while reconnecting) must not adopt its connection.
    this.#halt()
    const { attempt } = this.#snapshot
    const { maxReconnectAttempts, now } = this.#options
    if (attempt >= maxReconnectAttempts) return this.#stop(new RealtimeError('MAX_ATTEMPTS', undefined, { cause: error }))
    const delay = delayMs ?? this.#backoff(attempt, error)
    this.#stats.reconnects += 1
    this.#dispatch({ type: 'retry', error, retryAt: now() + delay })
    this.#cancelRetry = this.#schedule(() => void this.#attempt(reason), delay)
  }

  /** The wait before retry `attempt` after `error`: the configured backoff, never under the server's `retryAfterMs`. */
  #backoff(attempt: number, error: RealtimeError | undefined): number {
    const { reconnectDelay, random } = this.#options
    return Math.max(error?.retryAfterMs ?? 0, typeof reconnectDelay === 'function' ? reconnectDelay(attempt, error) : backoff(attempt, reconnectDelay as { minMs: number; maxMs: number }, random))
  }

  /** Offline or entering the back/forward cache: drop the connection and wait for a resume. */
  #pause(action: ConnectionAction): void {
    if (!this.#started()) return
    this.#halt()
    this.#dispatch(action)
  }

  #resume(): void {
    if (this.#snapshot.status === 'reconnecting') this.#retry(undefined, 0)
    // A link that died during a sleep would look alive until its next check: ask it now.
    else this.#current.get()?.check(this.#options.connectTimeoutMs)
  }

  #stop(error: RealtimeError | undefined): void {
    this.#halt()
    this.#detach()
    this.#detach = noop
    this.#dispatch({ type: 'stop', error })
    if (error) this.#error(error)
    this.#outbox.rejectAll(error ?? new RealtimeError('CLIENT_CLOSED'))
  }

  /** Cancels every timer and closes every connection, without reporting anything. */
  #halt(): void {
    this.#run += 1
    this.#cancelRetry()
    this.#cancelStable()
    this.#choice.stop()
    this.#current.set(undefined)
  }
}

export type { PublishResult }
