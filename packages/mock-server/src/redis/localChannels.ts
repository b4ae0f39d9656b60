import type { PresenceChange, Publication, SubscriptionEnded } from '../engine/broker'
import { ListenerSet } from '../engine/listenerSet'
import { unavailable } from '../engine/refusedError'
import { FANOUT_LOST } from './fanoutMessage'

interface LocalChannel {
  listeners: ListenerSet<Publication>
  /** The presence listeners of the subscribers that joined presence. */
  watchers: ListenerSet<PresenceChange>
  /** Told when the broker ends the subscription (the fan-out connection dropped). */
  ended: Map<(publication: Publication) => void, SubscriptionEnded | undefined>
  /** Settles once the fan-out SUBSCRIBE is in effect; rejects when it could not be made. */
  subscribed: Promise<void>
}

export interface LocalChannelsOptions {
  /** SUBSCRIBEs to the channel's fan-out in Redis; settles once it is in effect. */
  subscribe(channel: string): Promise<void>
  /** UNSUBSCRIBEs from the channel's fan-out, once its last local listener left. */
  unsubscribe(channel: string): void
  log(message: string, error: unknown): void
}

/**
 * This replica's subscribers, per channel: one Redis fan-out subscription per channel however many
 * local listeners it has, publications and presence changes from Redis handed to each of them, and
 * every subscription ended at once when the fan-out connection drops.
 */
export class LocalChannels {
  readonly #channels = new Map<string, LocalChannel>()
  readonly #options: LocalChannelsOptions

  constructor(options: LocalChannelsOptions) {
    this.#options = options
  }

  /** The channels with local listeners (to SUBSCRIBE again after a reconnect). */
  names(): string[] {
    return [...this.#channels.keys()]
  }

  /**
   * Adds a listener once the channel's fan-out is in effect. Refuses (`UNAVAILABLE`) when Redis
   * could not SUBSCRIBE, or the fan-out dropped while it confirmed.
   */
  async subscribe(channel: string, listener: (publication: Publication) => void, ended?: SubscriptionEnded, presence?: (change: PresenceChange) => void): Promise<() => void> {
    let local = this.#channels.get(channel)
    if (!local) {
      local = { listeners: new ListenerSet(), watchers: new ListenerSet(), ended: new Map(), subscribed: this.#options.subscribe(channel) }
      // Every listener that waits on it hears of a failure; this one is only there for the unhandled case.
      local.subscribed.catch(() => {})
      this.#channels.set(channel, local)
    }
    const entry = local
    entry.listeners.add(listener)
    entry.ended.set(listener, ended)
    if (presence) entry.watchers.add(presence)
    const unsubscribe = () => {
      entry.listeners.delete(listener)
      entry.ended.delete(listener)
      if (presence) entry.watchers.delete(presence)
      if (entry.listeners.size > 0 || this.#channels.get(channel) !== entry) return
      this.#channels.delete(channel)
      this.#options.unsubscribe(channel)
    }
    try {
      await entry.subscribed
    } catch (error) {
      unsubscribe()
      if (this.#channels.get(channel) === entry) this.#channels.delete(channel)
      this.#options.log(`Redis SUBSCRIBE to ${channel} failed`, error)
      throw unavailable('This server could not subscribe to the channel in Redis; retry')
    }
    // The fan-out dropped while Redis confirmed: that confirmation is worth nothing now.
    if (this.#channels.get(channel) !== entry || !entry.ended.has(listener)) {
      unsubscribe()
      throw unavailable('This server lost its connection to Redis; retry')
    }
    return unsubscribe
  }

  /** A publication from the fan-out, for every local listener of its channel. */
  dispatch(publication: Publication): void {
    this.#channels.get(publication.channel)?.listeners.emit(publication, (error) => this.#options.log('channel listener failed', error))
  }

  /** A presence change from the fan-out, for every local subscriber of `channel` that joined presence. */
  announce(channel: string, change: PresenceChange): void {
    this.#channels.get(channel)?.watchers.emit(change, (error) => this.#options.log('presence listener failed', error))
  }

  /**
   * The fan-out connection dropped: whatever was published meanwhile never reaches this replica,
   * so every local subscription ends, and its subscriber recovers from Redis when it is back.
   */
  endAll(): void {
    const channels = [...this.#channels.values()]
    this.#channels.clear()
    for (const local of channels) {
      for (const ended of [...local.ended.values()]) {
        try {
          ended?.(FANOUT_LOST)
        } catch (error) {
          this.#options.log('subscription end listener failed', error)
        }
      }
    }
  }

  clear(): void {
    this.#channels.clear()
  }
}
