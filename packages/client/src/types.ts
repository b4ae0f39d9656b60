import type { Position, PublishResult, TransportName } from '@lifeline/protocol'
import type { ConnectionStatus } from './connectionState'
import type { CurrentConnection } from './currentConnection'
import type { RealtimeError } from './errors'

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

/** What a message handler receives besides the payload; `publisher` and `time` are stamped by the server. */
export interface MessageMeta {
  channel: string
  event: string
  position: Position
  /** The `sub` of the user who published, or `null` when the server did: checked by the server, unlike the payload. */
  publisher: string | null
  /** When the server accepted the message, in ms since the Unix epoch (the server's clock). */
  time: number
}

/** Options of {@link Channel.subscribe}, merged over the calls made before the server subscription starts. */
export interface SubscribeOptions {
  /** Replay the channel's last `rewind` messages before the live ones (the largest asked wins). */
  rewind?: number
  /** Join the channel's presence, with `data` about this connection (the first data given wins). */
  presence?: true | { data?: unknown }
}

/** A handler of every event: `(event, data, meta)`, typed per event of the channel's map. */
export type AnyHandler<Events extends EventMap> = (...args: { [E in keyof Events & string]: [event: E, data: Events[E], meta: MessageMeta] }[keyof Events & string]) => void

/** `E`, unless it is `'*'`: the catch-all is `onAny`, so `on('*')` does not type-check. */
export type NotCatchAll<E extends string> = E & ([E] extends ['*'] ? never : unknown)

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
