import type { Claims, TokenVerifier } from './auth'
import type { Broker, PublishInput, PublishOutcome } from './broker'
import type { ChannelAction } from './channelRules'
import type { Clock } from './clock'
import type { Heartbeat } from './heartbeat'
import type { MessageFrames } from './messageFrames'
import type { Metrics } from './metrics'
import type { RateLimit } from './rateLimiter'
import type { SendBufferWatch } from './sendBufferWatch'
import type { Session } from './session'
import type { TokenExpiry } from './tokenExpiry'

/** Limits and timings every session applies; see `EngineOptions` for their meaning and defaults. */
export interface SessionLimits {
  heartbeatMs: number
  connectTimeoutMs: number
  maxFrameBytes: number
  maxSubscriptions: number
  maxBufferedBytes: number
  rateLimit: RateLimit
}

/** What the engine shares with each of its sessions (not part of the public API). */
export interface EngineContext {
  options: SessionLimits
  broker: Broker
  clock: Clock
  metrics: Metrics
  /** Serializes each publication's `message` frame once for all its subscribers. */
  frames: MessageFrames
  /** Beats every open session with the one timer of the engine. */
  heartbeat: Heartbeat
  /** Disconnects each session when its token expires. */
  tokenExpiry: TokenExpiry
  /** Judges the send buffers of the sessions that sent, once per event-loop turn. */
  bufferWatch: SendBufferWatch
  verify: TokenVerifier
  authorize: (claims: Claims, channel: string, action: ChannelAction) => boolean
  /** Checks a publication at the door, then hands it to the broker; rejects with a `RefusedError`. */
  publish(input: PublishInput): Promise<PublishOutcome>
  /** Presence data checked at the door like a payload (at most 1 KiB of JSON): a copy, or a `RefusedError`. */
  presenceData(data: unknown): unknown
  opened(session: Session): void
  /** Every session, opened or not, reports here once when it ends. */
  closed(session: Session, wasOpen: boolean): void
  log?: (message: string, error: unknown) => void
}
