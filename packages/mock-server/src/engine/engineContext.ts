import type { Claims, TokenVerifier } from './auth'
import type { Broker } from './broker'
import type { ChannelAction } from './channelRules'
import type { Clock } from './clock'
import type { Metrics } from './metrics'
import type { RateLimit } from './rateLimiter'
import type { Session } from './session'

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
  verify: TokenVerifier
  authorize: (claims: Claims, channel: string, action: ChannelAction) => boolean
  opened(session: Session): void
  /** Every session, opened or not, reports here once when it ends. */
  closed(session: Session, wasOpen: boolean): void
  log?: (message: string, error: unknown) => void
}
