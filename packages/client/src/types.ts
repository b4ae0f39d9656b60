import type { TransportName } from '@lifeline/protocol'
import type { EventMap } from './channel'
import type { ConnectionStatus } from './connectionState'
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
