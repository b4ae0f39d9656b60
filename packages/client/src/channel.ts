import mitt, { type Emitter } from 'mitt'
import { deliveryOrder, meta } from './channelMessages'
import { ChannelPresence } from './channelPresence'
import { serverError, type Connection } from './connection'
import type { RealtimeError } from './errors'
import { listen } from './listen'
import { refCount, type RefCount } from './refCount'
import { noop } from './timers'
import type { MessageFrame, Position, PresenceFrame, PresenceRequest, PublishResult, SubscribeResult, UnsubscribedFrame } from '@lifeline/protocol'
import type { AnyHandler, ChannelDeps, ChannelState, ChannelStatus, EventMap, Gap, MessageMeta, NotCatchAll, SubscribeOptions } from './types'

// For the development message (options.ts says why the check is written out at its use).
declare const process: { env: { NODE_ENV?: string } }
type Lifecycle = { state: ChannelState; recovered: Position; gap: Gap; any: MessageFrame }

/**
 * A named stream of events. Get it with `client.channel(name)`; the same name always gives the
 * same handle. The server subscription is ref-counted across `subscribe()` calls and released a
 * grace period after the last one ends, so a quick unmount/remount (React StrictMode) keeps it.
 * @example
 * const board = client.channel<{ card_moved: { card: string; to: string } }>('board:7')
 * const stop = board.subscribe({ rewind: 20, presence: { data: { name: 'Ada' } } })
 * board.on('card_moved', (move, { publisher }) => moveCard(move.card, move.to, publisher))
 * board.presence.on('change', (members) => showWhoIsHere(members))
 * board.onGap(() => refetchBoard())
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#channels
 */
export class Channel<Events extends EventMap = EventMap> {
  readonly #deps: ChannelDeps
  readonly #messages: Emitter<Record<string, MessageFrame>> = mitt()
  readonly #lifecycle: Emitter<Lifecycle> = mitt()
  #state: ChannelState = { status: 'idle', error: undefined }
  /** The `subscribe()` calls holding the server subscription. */
  readonly #holds: RefCount
  /** Cancels the pending subscribe retry (cancelling a timer that fired is harmless). */
  #cancelRetry = noop
  /** Subscribes refused in a row with a retryable error. */
  #refusals = 0
  /** Last position delivered to the app: the dedup mark and the `since` of the next subscribe. */
  #last: Position | undefined
  /** The connection the server subscription lives on. */
  #joined: Connection | undefined
  /** Counts subscribes and releases: the reply to a subscribe made before the last of them is stale. */
  #joins = 0
  /** What the next server subscription asks for: the merged options of the `subscribe()` calls since idle. */
  #options: { rewind?: number; presence?: PresenceRequest } = {}
  /** Whether the live server subscription (or the one on its way) joined presence. */
  #inPresence = false
  #joinQueued = false
  /** Who is in the channel's presence, once a `subscribe({ presence })` joined it. */
  readonly presence = new ChannelPresence()

  constructor(
    readonly name: string,
    deps: ChannelDeps,
  ) {
    this.#deps = deps
    this.#holds = refCount(() => this.#release(), deps)
    // Without a connection the server subscription is gone: say so until the next one makes it again.
    deps.current.onChange((connection) => (connection ? this.#join() : this.#state.status === 'subscribed' && this.#set('subscribing')))
  }

  get state(): ChannelState {
    return this.#state
  }

  /**
   * Holds the server subscription until the returned function is called (ref-counted). It starts in
   * a microtask, so the options of the calls made in one go (one render's effects) merge into it;
   * `rewind` applies only when it starts, while presence asked later joins then (subscribing again
   * from the last position: nothing lost or repeated), and lasts as long as the server subscription.
   * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#channels
   * @throws {TypeError} for a `rewind` that is not an integer >= 0 (the server would refuse it for every holder)
   */
  subscribe({ rewind, presence }: SubscribeOptions = {}): () => void {
    if (rewind !== undefined && !(Number.isSafeInteger(rewind) && rewind >= 0)) throw new TypeError(`RealtimeClient: invalid rewind "${rewind}"`)
    const release = this.#holds()
    const options = this.#options
    if (rewind && rewind > (options.rewind ?? 0)) options.rewind = rewind
    if (presence && !options.presence) options.presence = presence === true ? {} : presence
    // Presence wanted by a later caller: the live subscription is made again with it.
    if (options.presence && !this.#inPresence && this.#state.status === 'subscribed') this.#rejoin()
    if (this.#holds.size === 1 && this.#joined !== this.#deps.current.get()) this.#queueJoin()
    return release
  }

  /**
   * Calls `handler(data, meta)` once per `event` message, in channel order. Returns the unsubscribe.
   * @throws {TypeError} for `'*'`: use {@link onAny} to hear every event
   */
  on<E extends keyof Events & string>(event: NotCatchAll<E>, handler: (data: Events[E], meta: MessageMeta) => void): () => void {
    if (event === '*') throw new TypeError((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? "on('*') is no event; use onAny(handler)" : "on('*')")
    return listen(this.#messages, event, (message: MessageFrame) => handler(message.data as Events[E], meta(message)))
  }

  /** Like {@link on}, for the next `event` message only. Returns the unsubscribe (before it fired). */
  once<E extends keyof Events & string>(event: NotCatchAll<E>, handler: (data: Events[E], meta: MessageMeta) => void): () => void {
    const stop = this.on(event, (data, meta) => (stop(), handler(data, meta)))
    return stop
  }

  /** Calls `handler(event, data, meta)` once per message of any event, in channel order. Returns the unsubscribe. */
  onAny(handler: AnyHandler<Events>): () => void {
    return listen(this.#lifecycle, 'any', (message) => (handler as (event: string, data: unknown, meta: MessageMeta) => void)(message.event, message.data, meta(message)))
  }

  /** Channel state changes (`subscribing`, `subscribed`, `failed`). */
  onState(listener: (state: ChannelState) => void): () => void {
    return listen(this.#lifecycle, 'state', listener)
  }

  /** The subscription was lost (a reconnect, the server ended it) and made again, with every missed message replayed; `position` is where it resumed. */
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
    // Commands keep the app's order: a subscribe() of this turn goes out before this publish.
    this.#flushJoin()
    return this.#deps.publish(this.name, event, data)
  }

  /** Joins in a microtask (this turn's `subscribe()` calls merge their options first), `subscribing` at once. */
  #queueJoin(): void {
    if (this.#joinQueued) return
    this.#joinQueued = true
    if (this.#deps.current.get()) this.#set('subscribing', this.#state.error)
    queueMicrotask(() => this.#flushJoin())
  }

  #flushJoin(): void {
    if (!this.#joinQueued) return
    this.#joinQueued = false
    if (this.#joined !== this.#deps.current.get()) this.#join()
  }

  /** Ends the server subscription and makes it again at once, from the last position, with the current options. */
  #rejoin(): void {
    if (!this.#joined) return
    // Commands are answered in order: the subscribe below is handled once this is.
    this.#leave(this.#joined)
    this.#joined = undefined
    this.#join()
  }

  /** Ends the server subscription on `connection` (on a closed one, it is gone anyway). */
  #leave = (connection: Connection | undefined) => connection?.request({ type: 'unsubscribe', channel: this.name }, noop)

  /** (Re)subscribes on the current connection, replaying from the last delivered position. */
  #join(): void {
    this.#cancelRetry()
    const connection = this.#deps.current.get()
    if (!this.#holds.size || !connection) return
    this.#joined = connection
    const since = this.#last
    // Recovered only after a lost subscription: a transport move or a presence rejoin replaces a live one.
    const lost = this.#state.status !== 'subscribed'
    const { rewind, presence } = this.#options
    this.#inPresence = !!presence
    // While retrying, the last refusal stays visible until one succeeds.
    this.#set('subscribing', this.#refusals ? this.#state.error : undefined)
    const join = ++this.#joins
    // Callbacks, not promises: the reply must be applied before the replayed messages right behind it.
    // A rewind is for a first subscription: with `since`, what was delivered is not delivered again.
    connection.request({ type: 'subscribe', channel: this.name, since, rewind: since ? undefined : rewind, presence }, (error, result) => {
      // Released meanwhile (and maybe subscribed again on the same connection): not this subscription's reply.
      if (join !== this.#joins) return
      if (error) {
        this.#joined = undefined
        // A lost connection resubscribes on the next one.
        if (connection.closed) return
        // The server kept a subscription whose unsubscribe it refused for now: end it, retry after the backoff.
        if (error.code === 'ALREADY_SUBSCRIBED') this.#leave(connection)
        return this.#refused(error)
      }
      this.#refusals = 0
      const { position, recovered, presence: members } = result as SubscribeResult
      if (members) this.presence.reset(members)
      if (since && !recovered) {
        this.#last = position
        this.#lifecycle.emit('gap', { from: since, to: position })
      } else if (!since) this.#last = position
      else if (lost) this.#lifecycle.emit('recovered', since)
      this.#set('subscribed')
      // Presence asked for while this subscribe was on its way.
      if (this.#options.presence && !this.#inPresence) this.#rejoin()
    })
  }

  /**
   * @internal A frame from the server for this channel: a message, a presence change, or the end of
   * the subscription by the server (`unsubscribed`): the channel shows the error and subscribes again.
   */
  receive(connection: Connection, frame: MessageFrame | PresenceFrame | UnsubscribedFrame): void {
    // The server answers a subscribe before it sends anything of it: until then, frames are an older
    // subscription's (released, or made again for presence), whose messages the replay from `since` brings.
    if (connection !== this.#joined || this.#state.status !== 'subscribed') return
    if (frame.type === 'presence') return this.presence.apply(frame)
    if (frame.type === 'unsubscribed') {
      this.#joined = undefined
      return this.#refused(serverError(frame.error))
    }
    const last = this.#last!
    const order = deliveryOrder(last, frame.pos)
    if (order === 'repeat') return
    this.#last = frame.pos
    // The gap ends just before this message, which is delivered.
    if (order === 'gap') this.#lifecycle.emit('gap', { from: last, to: { ...frame.pos, offset: frame.pos.offset - 1 } })
    this.#messages.emit(frame.event, frame)
    this.#lifecycle.emit('any', frame)
  }

  #refused(error: RealtimeError): void {
    // A refusal that no retry can fix (FORBIDDEN, TOO_MANY_SUBSCRIPTIONS) is final for this channel.
    if (!error.retryable && error.code !== 'ALREADY_SUBSCRIBED') {
      this.presence.reset([])
      return this.#set('failed', error)
    }
    // One that can pass (INTERNAL, RATE_LIMITED, UNAVAILABLE) is tried again after a backoff.
    this.#set('subscribing', error)
    this.#cancelRetry = this.#deps.schedule(() => this.#join(), this.#deps.retryDelay(this.#refusals++, error))
  }

  #release(): void {
    this.#cancelRetry()
    this.#refusals = 0
    this.#joins++
    this.#leave(this.#joined)
    this.#joined = this.#last = undefined
    this.#options = {}
    this.#inPresence = false
    this.presence.reset([])
    this.#set('idle')
  }

  #set(status: ChannelStatus, error?: RealtimeError): void {
    if (status === this.#state.status && error === this.#state.error) return
    this.#state = { status, error }
    this.#lifecycle.emit('state', this.#state)
  }
}
