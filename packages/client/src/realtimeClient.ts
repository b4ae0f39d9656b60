import mitt from 'mitt'
import { isChannel, type PublishResult } from '@lifeline/protocol'
import { Channel } from './channel'
import type { ConnectionSnapshot } from './connectionState'
import { Connection } from './connection'
import { Connector, kChange, type ClientEmitter, type ConnectorParts } from './connector'
import { CurrentConnection } from './currentConnection'
import { RealtimeError } from './errors'
import { listen } from './listen'
import { resolveOptions, type RealtimeClientOptions } from './options'
import { Outbox } from './outbox'
import type { ConnectionDriver } from './share'
import { noop } from './timers'
import { tokenManager } from './tokenManager'
import type { ChannelDeps, ChannelEvents, ChannelMap, ClientEvents, ClientStats, EventMap } from './types'

/**
 * The Lifeline client: one connection to the server over the best transport that gets through
 * (WebSocket, then SSE, then long-polling), channels with recovery, publishes with an offline
 * queue. Framework-agnostic; React binds to `onState`/`getSnapshot`.
 * @example
 * const client = new RealtimeClient({ url: 'https://rt.example.com', getToken: () => fetchToken() })
 * client.connect()
 * const stop = client.channel('leaderboard').subscribe()
 * client.channel('leaderboard').on('scores', (scores) => render(scores))
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md
 */
export class RealtimeClient<Channels extends ChannelMap = ChannelMap> {
  readonly #events: ClientEmitter = mitt()
  readonly #channels = new Map<string, Channel>()
  readonly #current = new CurrentConnection()
  readonly #connector: ConnectionDriver
  readonly #channelDeps: ChannelDeps
  readonly #frames = { framesIn: 0, framesOut: 0 }
  readonly #schedule: (callback: () => void, ms: number) => () => void

  constructor(options: RealtimeClientOptions) {
    const resolved = resolveOptions(options)
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
    // Publishes and subscriptions refused for now wait like reconnects do (and never less than `retryAfterMs`).
    const retryDelay = (attempt: number, error: RealtimeError) => this.#connector.backoff(attempt, error)
    const outbox = new Outbox({ ...resolved, current, schedule, retryDelay })
    const parts: ConnectorParts = {
      events: this.#events,
      // getToken is part of a connect attempt, so it gets the attempt's time limit.
      tokens: tokenManager(resolved.getToken, now, schedule, resolved.connectTimeoutMs),
      outbox,
      current,
      schedule,
      push: (connection, frame) => this.#channels.get(frame.channel)?.receive(connection, frame),
      trace: (direction, frame) => {
        this.#frames[direction === 'in' ? 'framesIn' : 'framesOut'] += 1
        logger?.(direction, frame)
      },
    }
    // A share gets the core's classes from here, so its own entry point carries no copy of them.
    this.#connector = resolved.share ? resolved.share(resolved, parts, { Connector, Connection, CurrentConnection, RealtimeError, kChange }) : new Connector(resolved, parts)
    this.#channelDeps = {
      ...resolved,
      current,
      schedule,
      // Stopped for good by an error (unauthorized, forbidden, out of attempts), the client will not
      // send it until the app acts: refuse at once. After the app's disconnect() it waits for connect().
      publish: (channel, event, data) => {
        const { status, error } = this.#connector.snapshot
        return status === 'disconnected' && error ? Promise.reject(error) : outbox.add({ type: 'publish', channel, event, data, key: `${keyPrefix}-${++published}` })
      },
      retryDelay,
    }
  }

  /** Starts connecting; no-op while already started. Call `disconnect()` to stop. */
  connect(): void {
    if (!this.#connector.started) this.#connector.start()
  }

  /** Closes the connection and stops reconnecting. Waiting publishes reject with `CLIENT_CLOSED`. */
  disconnect(): void {
    if (this.#connector.started) this.#connector.stop(undefined)
  }

  /**
   * Resolves once connected; rejects when the client stops, or with `TIMEOUT` after `timeoutMs`.
   * @example await client.ready(10_000)
   */
  ready(timeoutMs?: number): Promise<void> {
    let stop = noop
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        const { status, error } = this.getSnapshot()
        if (status === 'connected') resolve()
        if (status === 'disconnected') reject(error ?? new RealtimeError('CLIENT_CLOSED'))
      }
      const unwatch = this.onState(check)
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

  /**
   * Calls `listener` with the new snapshot whenever {@link getSnapshot} changes; returns the
   * unsubscribe. This is the `subscribe` of React's `useSyncExternalStore` contract; it is named
   * `onState` (like `channel.onState`) because `subscribe` means holding a server subscription.
   */
  onState(listener: (snapshot: ConnectionSnapshot) => void): () => void {
    return listen(this.#events, kChange, () => listener(this.#connector.snapshot))
  }

  /** The current connection state; the same object until something changes. */
  getSnapshot(): ConnectionSnapshot {
    return this.#connector.snapshot
  }

  stats(): ClientStats {
    const { status, transport } = this.getSnapshot()
    return { status, transport, rttMs: this.#current.get()?.rttMs, reconnects: this.#connector.reconnects, ...this.#frames, ...this.#connector.stats }
  }
}

export type { PublishResult }
