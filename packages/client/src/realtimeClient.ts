import mitt from 'mitt'
import { backoff } from './backoff'
import { blockedWebSocket, type BlockedWebSocket } from './blockedWebSocket'
import { Channel, type ChannelHost, type EventMap } from './channel'
import { Connection, type ConnectionHost } from './connection'
import { IDLE, reduceConnection, type ConnectionAction, type ConnectionSnapshot, type ConnectionStatus } from './connectionState'
import { RealtimeError, type RealtimeErrorCode } from './errors'
import { watchLifecycle } from './lifecycle'
import { listen } from './listen'
import { resolveOptions, type RealtimeClientOptions, type ResolvedOptions } from './options'
import { Outbox, type OutboxOptions } from './outbox'
import { closeInfo, ERRORS, type ErrorCode } from '@lifeline/protocol'
import type { ConnectResult, PublishResult, RefreshResult } from '@lifeline/protocol'
import { isChannel } from '@lifeline/protocol'
import { noop } from './timers'
import { TokenManager, type TokenReason } from './tokenManager'
import type { TransportName } from './transports/transport'

/** Events of the client; listen with `client.on(type, handler)`. */
export type ClientEvents = {
  /** The connection status changed. */
  status: { status: ConnectionStatus; prevStatus: ConnectionStatus }
  /** Messages now flow over another transport (fallback to SSE, or upgrade back to WebSocket). */
  transport: { transport: TransportName; prevTransport: TransportName | undefined }
  /** Something failed; the client already handles it (retry or stop) and tells you. */
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

type TimerPurpose = 'retry' | 'stable' | 'refresh' | 'probe'

/** What the protocol's codes table says to do after a connect refusal with this error. */
const actionOf = (error: RealtimeError) => (error.code in ERRORS ? ERRORS[error.code as ErrorCode].action : 'backoff')
const isAuthError = (error: RealtimeError) => actionOf(error) === 'refresh'
/** Connect refusals that no retry can fix. */
const isStop = (error: RealtimeError) => actionOf(error) === 'stop'
/** Refresh proactively once this share of the token's lifetime has passed. */
const REFRESH_AT = 0.8

/**
 * The Lifeline client: one connection to the server, WebSocket first with SSE fallback, channels
 * with recovery, publishes with an offline queue. Framework-agnostic; React binds to
 * `subscribe`/`getSnapshot`.
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
  readonly #tokens: TokenManager
  readonly #outbox: Outbox
  readonly #blocked: BlockedWebSocket
  readonly #host: ConnectionHost & ChannelHost & OutboxOptions
  #snapshot: ConnectionSnapshot = IDLE
  #connection: Connection | undefined
  #probe: Connection | undefined
  /** Bumped on every start and stop; async work of an older run drops its result. */
  #run = 0
  /** Cancels of the pending timers, by purpose; at most one timer per purpose. */
  readonly #pending: Partial<Record<TimerPurpose, () => void>> = {}
  #detach = noop
  #flaps = 0
  #probeAttempt = 0
  #lastTransport: TransportName | undefined
  #stats = { reconnects: 0, framesIn: 0, framesOut: 0 }

  constructor(options: RealtimeClientOptions) {
    const resolved = resolveOptions(options)
    this.#options = resolved
    const { now, timers } = resolved
    const schedule = (callback: () => void, ms: number) => {
      const handle = timers.setTimeout(callback, ms)
      return () => timers.clearTimeout(handle)
    }
    // Idempotency keys: 72 random bits per client (from the platform's CSPRNG, not the injectable
    // `random`, which tests pin and which Math.random makes guessable), numbered per publish.
    const keyPrefix = Array.from(crypto.getRandomValues(new Uint8Array(9)), (byte) => (byte | 256).toString(16).slice(1)).join('')
    let published = 0
    // getToken is part of a connect attempt, so it gets the attempt's time limit.
    this.#tokens = new TokenManager(resolved.getToken, now, schedule, resolved.connectTimeoutMs)
    this.#blocked = blockedWebSocket(resolved.url, resolved.blockedTtlMs, now, resolved.storage)
    const client = this
    // One host serves connections and channels: both see the same options, timers and connection.
    this.#host = {
      ...resolved,
      schedule,
      get connection() {
        return client.#connection
      },
      token: () => this.#tokens.current,
      push: (connection, frame) => {
        if (connection !== this.#connection) return
        if (frame instanceof RealtimeError) return this.#error(frame)
        const channel = this.#channels.get(frame.channel)
        if (frame.type === 'message') channel?.receive(connection, frame)
        else channel?.ended(connection, new RealtimeError(frame.error.code, frame.error.message, { retryAfterMs: frame.error.retryAfterMs }))
      },
      lost: (connection, code, error) => this.#lost(connection, code, error),
      trace: (direction, frame) => {
        this.#stats[direction === 'in' ? 'framesIn' : 'framesOut'] += 1
        resolved.logger?.(direction, frame)
      },
      publish: (channel, event, data) => this.#outbox.add({ type: 'publish', channel, event, data, key: `${keyPrefix}-${++published}` }, this.#connection),
      retryDelay: (attempt, error) => this.#backoff(attempt, error),
    }
    this.#outbox = new Outbox(this.#host)
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
      const cancel = timeoutMs === undefined ? noop : this.#host.schedule(() => reject(new RealtimeError('TIMEOUT')), timeoutMs)
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
    if (!channel) this.#channels.set(name, (channel = new Channel(name, this.#host)))
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
    return { status, transport, rttMs: this.#connection?.rttMs, ...this.#stats }
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

  #after(purpose: TimerPurpose, callback: () => void, ms: number): void {
    this.#pending[purpose]?.()
    this.#pending[purpose] = this.#host.schedule(callback, ms)
  }

  /** One pass over the transports, in order, each with its own timeout (C2). */
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
    let lastError: RealtimeError | undefined
    let webSocketFailed = false
    const { transports } = this.#options
    // A WebSocket remembered as blocked goes last (and is probed in the background while on SSE):
    // no timeout wasted when SSE works, and still a way in when only WebSocket does.
    // ('sse' sorts before 'websocket'.)
    for (const name of this.#blocked.blocked ? [...transports].sort() : transports) {
      if (run !== this.#run) return
      const connection = new Connection(name, this.#host)
      try {
        const result = await connection.open(token)
        if (run !== this.#run) return connection.close()
        if (webSocketFailed) this.#blocked.remember()
        return this.#adopt(connection, result)
      } catch (error) {
        lastError = error as RealtimeError
        webSocketFailed ||= name === 'websocket'
        // A refused token or a forbidden origin fails the same way on every transport.
        if (isAuthError(lastError) || isStop(lastError)) break
      }
    }
    if (run === this.#run) this.#recover(lastError!)
  }

  #adopt(connection: Connection, result: ConnectResult): void {
    const previous = this.#connection
    this.#connection = connection
    this.#probe = undefined
    // An upgrade: the old transport goes; its unacknowledged publishes go out again below, safely.
    previous?.close()
    this.#pending.probe?.()
    const { name } = connection
    if (name === 'websocket') this.#blocked.forget()
    this.#dispatch({ type: 'connected', transport: name })
    if (name !== this.#lastTransport) {
      this.#events.emit('transport', { transport: name, prevTransport: this.#lastTransport })
      this.#lastTransport = name
    }
    this.#after('stable', () => {
      this.#dispatch({ type: 'stable' })
      if (name === 'websocket') this.#flaps = this.#probeAttempt = 0
    }, this.#options.minUptimeMs)
    this.#accepted(connection, result.expiresInMs)
    for (const channel of this.#channels.values()) channel.join()
    this.#outbox.flush(connection)
    if (name === 'sse' && this.#options.transports.includes('websocket')) this.#scheduleProbe()
  }

  #lost(connection: Connection, code: number, error: RealtimeError): void {
    if (connection !== this.#connection) return
    this.#halt()
    const { minUptimeMs, maxFlaps, now } = this.#options
    // A WebSocket that keeps dying right after the handshake is as good as blocked (C2).
    if (connection.name === 'websocket' && now() - connection.openedAt < minUptimeMs && ++this.#flaps >= maxFlaps) {
      this.#flaps = 0
      this.#blocked.remember()
    }
    this.#recover(error, code)
  }

  /**
   * The one decision after any failure: the close code's range says what to do (P8); a connect
   * refusal without one is read from its error code.
   */
  #recover(error: RealtimeError, code?: number): void {
    const close = code === undefined ? undefined : closeInfo(code)
    const action = close ? close.action : isAuthError(error) ? 'refresh' : isStop(error) ? 'stop' : 'backoff'
    if (action === 'stop') return this.#stop(close?.error ? new RealtimeError(close.error, error.message) : error)
    if (action === 'refresh' && this.#refused(error)) return
    this.#error(error)
    // 'reconnect-now': the server restarts or rebalances; come back at once, but spread over its window.
    this.#retry(error, action === 'reconnect-now' ? Math.floor(this.#options.random() * (error.retryAfterMs ?? 1000)) : undefined, action === 'refresh' ? 'rejected' : 'connect')
  }

  /** Schedules the next attempt with backoff (C4), unless the browser is offline. */
  #retry(error: RealtimeError | undefined, delayMs?: number, reason: TokenReason = 'connect'): void {
    // An attempt still in flight (a resume while reconnecting) must not adopt its connection.
    this.#run += 1
    const { attempt } = this.#snapshot
    const { maxReconnectAttempts, now } = this.#options
    if (attempt >= maxReconnectAttempts) return this.#stop(new RealtimeError('MAX_ATTEMPTS', undefined, { cause: error }))
    const delay = delayMs ?? this.#backoff(attempt, error)
    this.#stats.reconnects += 1
    this.#dispatch({ type: 'retry', error, retryAt: now() + delay })
    this.#after('retry', () => void this.#attempt(reason), delay)
  }

  /** The wait before retry `attempt` after `error`: the configured backoff, never under the server's `retryAfterMs`. */
  #backoff(attempt: number, error: RealtimeError | undefined): number {
    const { reconnectDelay, random } = this.#options
    return Math.max(error?.retryAfterMs ?? 0, typeof reconnectDelay === 'function' ? reconnectDelay(attempt, error) : backoff(attempt, reconnectDelay, random))
  }

  /** Offline or entering the back/forward cache: drop the connection and wait for a resume. */
  #pause(action: ConnectionAction): void {
    if (!this.#started()) return
    this.#halt()
    this.#dispatch(action)
  }

  #resume(): void {
    if (this.#snapshot.status === 'reconnecting') this.#retry(undefined, 0)
    // A link that died during a sleep shorter than heartbeat + grace would look alive until its
    // watchdog fires, up to that long after waking (C4): ask it now, with a short deadline.
    else this.#connection?.ping(this.#options.connectTimeoutMs)
  }

  #stop(error: RealtimeError | undefined): void {
    this.#halt()
    this.#detach()
    this.#detach = noop
    this.#dispatch({ type: 'stop', error })
    if (error) this.#error(error)
    this.#outbox.rejectAll(error ?? new RealtimeError('CLIENT_CLOSED'))
  }

  /**
   * The server refused the token. When that token was itself fetched after a refusal, stops with
   * `UNAUTHORIZED` and returns `true`: asking again would only hammer the token service (C5).
   */
  #refused(error: RealtimeError): boolean {
    const terminal = this.#tokens.rejected()
    if (terminal) this.#stop(new RealtimeError('UNAUTHORIZED', undefined, { cause: error }))
    return terminal
  }

  /** Cancels every timer and closes every connection, without reporting anything. */
  #halt(): void {
    this.#run += 1
    for (const cancel of Object.values(this.#pending)) cancel()
    this.#connection?.close()
    this.#probe?.close()
    this.#connection = this.#probe = undefined
  }

  /**
   * The server accepted the token on `connection` (connect or refresh reply): schedule the in-band
   * refresh before it expires (C5), on that connection.
   */
  #accepted(connection: Connection, expiresInMs: number | undefined): void {
    this.#tokens.accepted(expiresInMs)
    this.#pending.refresh?.()
    if (expiresInMs !== undefined) this.#after('refresh', () => void this.#refresh(connection, 'refresh'), expiresInMs * REFRESH_AT)
  }

  async #refresh(connection: Connection, reason: TokenReason): Promise<void> {
    let token: string
    try {
      token = await this.#tokens.fetch(reason)
    } catch (error) {
      if (connection !== this.#connection) return
      // Anything but a sign-out is left to the server's expiry notice, which reconnects with backoff.
      return (error as RealtimeError).code === 'UNAUTHORIZED' ? this.#stop(error as RealtimeError) : this.#error(error as RealtimeError)
    }
    // A refresh started for an older connection never applies to a newer one.
    if (connection !== this.#connection) return
    connection.request({ type: 'refresh', token }, (error, result) => {
      if (connection.closed) return
      if (!error) return this.#accepted(connection, (result as RefreshResult).expiresInMs)
      const auth = isAuthError(error)
      if (auth && this.#refused(error)) return
      this.#error(error)
      if (auth) void this.#refresh(connection, 'rejected')
    })
  }

  /** While on SSE, tries WebSocket again in the background and moves over when it works (C3). */
  #scheduleProbe(): void {
    const { minMs = 5000, maxMs = 300_000 } = this.#options.upgradeDelay
    const cap = Math.min(maxMs, minMs * 2 ** this.#probeAttempt++)
    this.#after('probe', () => void this.#upgrade(), cap / 2 + (this.#options.random() * cap) / 2)
  }

  async #upgrade(): Promise<void> {
    const active = this.#connection
    const probe = (this.#probe = new Connection('websocket', this.#host))
    try {
      const result = await probe.open(await this.#tokens.get('connect'))
      if (this.#connection !== active || probe.closed) return probe.close()
      this.#adopt(probe, result)
    } catch {
      probe.close()
      if (this.#connection === active && this.#probe === probe) this.#scheduleProbe()
    }
  }
}

export type { PublishResult }
