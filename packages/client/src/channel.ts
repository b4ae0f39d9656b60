import mitt, { type Emitter } from 'mitt'
import type { Connection } from './connection'
import type { CurrentConnection } from './currentConnection'
import type { RealtimeError } from './errors'
import { listen } from './listen'
import { noop } from './timers'
import type { MessageFrame, Position, PublishResult, SubscribeResult } from '@lifeline/protocol'

/** Maps event names of a channel to their payload types. */
export type EventMap = Record<string, unknown>

export type ChannelStatus = 'idle' | 'subscribing' | 'subscribed' | 'failed'

/** An immutable view of one channel; a new object only on change. */
export interface ChannelState {
  readonly status: ChannelStatus
  /**
   * Why the channel `failed` (for example `FORBIDDEN`, `TOO_MANY_SUBSCRIPTIONS`), or, while
   * `subscribing`, why the last attempt was refused (a retryable error such as `INTERNAL`: it retries).
   */
  readonly error: RealtimeError | undefined
}

/** Where messages were lost: everything after `from` up to and including `to` could not be replayed. */
export interface Gap {
  from: Position
  to: Position
}

/** What a message handler receives besides the payload. */
export interface MessageMeta {
  channel: string
  event: string
  position: Position
}

/** What a channel needs from the client. */
export interface ChannelDeps {
  /** The connection messages flow on; the channel subscribes again on each new one. */
  current: CurrentConnection
  publish(channel: string, event: string, data: unknown): Promise<PublishResult>
  schedule(callback: () => void, ms: number): () => void
  /** How long to wait before retry `attempt` (0-based) of a subscribe refused with `error`. */
  retryDelay(attempt: number, error: RealtimeError): number
  releaseGraceMs: number
}

type Lifecycle = { state: ChannelState; recovered: Position; gap: Gap }

/**
 * A named stream of events. Get it with `client.channel(name)`; the same name always gives the
 * same handle. The server subscription is ref-counted across `subscribe()` calls and released a
 * grace period after the last one ends, so a quick unmount/remount (React StrictMode) keeps it.
 * @example
 * const board = client.channel<{ card_moved: { card: string; to: string } }>('board:7')
 * const stop = board.subscribe()
 * board.on('card_moved', (move) => moveCard(move.card, move.to))
 * board.onGap(() => refetchBoard())
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#channels
 */
export class Channel<Events extends EventMap = EventMap> {
  readonly #deps: ChannelDeps
  readonly #messages: Emitter<Record<string, MessageFrame>> = mitt()
  readonly #lifecycle: Emitter<Lifecycle> = mitt()
  #state: ChannelState = { status: 'idle', error: undefined }
  #refs = 0
  /** Cancels of the pending release and subscribe retry (cancelling a timer that fired is harmless). */
  #cancelRelease = noop
  #cancelRetry = noop
  /** Subscribes refused in a row with a retryable error. */
  #refusals = 0
  /** Last position delivered to the app: the dedup mark and the `since` of the next subscribe. */
  #last: Position | undefined
  /** The connection the server subscription lives on. */
  #joined: Connection | undefined

  constructor(
    readonly name: string,
    deps: ChannelDeps,
  ) {
    this.#deps = deps
    deps.current.subscribe((connection) => connection && this.#join())
  }

  get state(): ChannelState {
    return this.#state
  }

  /** Holds the server subscription until the returned function is called (ref-counted). */
  subscribe(): () => void {
    this.#refs += 1
    this.#cancelRelease()
    if (this.#refs === 1 && this.#joined !== this.#deps.current.get()) this.#join()
    let released = false
    return () => {
      if (released) return
      released = true
      if (--this.#refs > 0) return
      this.#cancelRelease = this.#deps.schedule(() => this.#release(), this.#deps.releaseGraceMs)
    }
  }

  /** Calls `handler` once per `event` message, in channel order. Returns the unsubscribe. */
  on<E extends keyof Events & string>(event: E, handler: (data: Events[E], meta: MessageMeta) => void): () => void {
    return listen(this.#messages, event, (message: MessageFrame) => handler(message.data as Events[E], meta(message)))
  }

  /** Channel state changes (`subscribing`, `subscribed`, `failed`). */
  onState(listener: (state: ChannelState) => void): () => void {
    return listen(this.#lifecycle, 'state', listener)
  }

  /** After a resubscribe, every missed message was replayed; `position` is where it resumed. */
  onRecovered(listener: (position: Position) => void): () => void {
    return listen(this.#lifecycle, 'recovered', listener)
  }

  /** Messages were lost beyond the server's history: refetch what this channel shows. */
  onGap(listener: (gap: Gap) => void): () => void {
    return listen(this.#lifecycle, 'gap', listener)
  }

  /**
   * Publishes through the server; settles with the server's reply. Queued while disconnected.
   * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#publishing
   */
  publish<E extends keyof Events & string>(event: E, data: Events[E]): Promise<PublishResult> {
    return this.#deps.publish(this.name, event, data)
  }

  /** (Re)subscribes on the current connection, replaying from the last delivered position. */
  #join(): void {
    this.#cancelRetry()
    const connection = this.#deps.current.get()
    if (!this.#refs || !connection) return
    this.#joined = connection
    const since = this.#last
    // While retrying, the last refusal stays visible until one succeeds.
    this.#set('subscribing', this.#refusals ? this.#state.error : undefined)
    // Callbacks, not promises: the reply must be applied before the replayed messages right behind it.
    connection.request({ type: 'subscribe', channel: this.name, since }, (error, result) => {
      if (error) {
        if (this.#joined === connection) this.#joined = undefined
        // A lost connection resubscribes on the next one.
        if (!connection.closed) this.#refused(error)
        return
      }
      this.#refusals = 0
      const { position, recovered } = result as SubscribeResult
      if (since && !recovered) {
        this.#last = position
        this.#lifecycle.emit('gap', { from: since, to: position })
      } else if (since) this.#lifecycle.emit('recovered', since)
      else this.#last = position
      this.#set('subscribed')
    })
  }

  /** @internal A message from the server for this channel. */
  receive(connection: Connection, message: MessageFrame): void {
    if (connection !== this.#joined) return
    const last = this.#last
    const { pos } = message
    if (last && pos.epoch === last.epoch && pos.offset <= last.offset) return
    this.#last = pos
    // The server never skips offsets on a live subscription; a jump or a new epoch means loss.
    if (last && (pos.epoch !== last.epoch || pos.offset > last.offset + 1)) this.#lifecycle.emit('gap', { from: last, to: pos })
    this.#messages.emit(message.event, message)
  }

  /**
   * @internal The server ended this subscription on its own (`unsubscribed` frame): never silent,
   * the channel shows the error and subscribes again from its last position.
   */
  ended(connection: Connection, error: RealtimeError): void {
    if (connection !== this.#joined) return
    this.#joined = undefined
    this.#refused(error)
  }

  #refused(error: RealtimeError): void {
    // A refusal that no retry can fix (FORBIDDEN, TOO_MANY_SUBSCRIPTIONS) is final for this channel.
    if (!error.retryable) return this.#set('failed', error)
    // One that can pass (INTERNAL, RATE_LIMITED, UNAVAILABLE) is tried again after a backoff.
    this.#set('subscribing', error)
    this.#cancelRetry = this.#deps.schedule(() => this.#join(), this.#deps.retryDelay(this.#refusals++, error))
  }

  #release(): void {
    this.#cancelRetry()
    this.#refusals = 0
    const connection = this.#joined
    this.#joined = this.#last = undefined
    this.#set('idle')
    // On a closed connection this is answered at once, and the subscription is gone anyway.
    connection?.request({ type: 'unsubscribe', channel: this.name }, noop)
  }

  #set(status: ChannelStatus, error?: RealtimeError): void {
    if (status === this.#state.status && error === this.#state.error) return
    this.#state = { status, error }
    this.#lifecycle.emit('state', this.#state)
  }
}

function meta(message: MessageFrame): MessageMeta {
  return { channel: message.channel, event: message.event, position: message.pos }
}
