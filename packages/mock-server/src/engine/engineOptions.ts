import type { TokenVerifier } from './auth'
import type { Broker } from './broker'
import type { ChannelRule } from './channelRules'
import type { Clock } from './clock'
import type { SessionLimits } from './engineContext'
import { DEFAULT_RATE_LIMIT, type RateLimit } from './rateLimiter'

export interface EngineOptions {
  /**
   * Where messages, history and positions live. The engine closes a broker it created, never one passed in.
   * @default new MemoryBroker()
   */
  broker?: Broker
  /**
   * HS256 secret for client JWTs. Ignored when `verifyToken` is given.
   * @default 'lifeline-dev-secret' (development only: anyone can mint tokens for it)
   */
  jwtSecret?: string
  /** Pluggable token check, replacing the HS256 verifier. */
  verifyToken?: TokenVerifier
  /**
   * Refuse tokens without `exp` (`UNAUTHORIZED`), whichever verifier read them.
   * @default true
   */
  requireTokenExpiry?: boolean
  /**
   * Refuse tokens that expire further than this from now (`UNAUTHORIZED`), in milliseconds.
   * @default 86_400_000 (24 hours)
   */
  maxTokenLifetimeMs?: number
  /**
   * Secret that signs SSE ticket references; replicas behind one load balancer must share it (the
   * grant a ticket stands for is kept in the broker).
   * @default derived from `jwtSecret`, or random per process with `verifyToken`
   */
  ticketSecret?: string
  /**
   * Key for the server-side publish API (`Authorization: Bearer <apiKey>`); without one the API is off.
   * @default undefined
   */
  apiKey?: string
  /**
   * Who may subscribe and publish where. Channels matching no rule are forbidden.
   * @default DEFAULT_CHANNEL_RULES
   */
  channelRules?: ChannelRule[]
  /**
   * Browser origins allowed to connect; `'*'` allows any. Requests without `Origin` (non-browser) are allowed.
   * @default ['*']
   */
  allowedOrigins?: string[]
  /** @default 25_000 */
  heartbeatMs?: number
  /**
   * A WebSocket that has not sent `connect` by then is closed with 4003.
   * @default 10_000
   */
  connectTimeoutMs?: number
  /**
   * Largest command frame or request body, in bytes; also the largest `data` of a publication, as JSON.
   * @default 65_536
   */
  maxFrameBytes?: number
  /**
   * Most objects and arrays nested in one another in a publication's `data`; deeper is `BAD_REQUEST`.
   * @default 32
   */
  maxPayloadDepth?: number
  /**
   * Open WebSocket and SSE connections per client address; the next one is closed with 4002
   * (`RATE_LIMITED`). Loopback addresses are not counted (a reverse proxy on the same host:
   * cap there).
   * @default 256
   */
  maxConnectionsPerIp?: number
  /** @default 128 */
  maxSubscriptions?: number
  /**
   * Send buffer per connection; a client that lets more pile up is cut off (4001, slow consumer).
   * @default 1_048_576
   */
  maxBufferedBytes?: number
  /** @default { perSecond: 100, burst: 200 } */
  rateLimit?: RateLimit
  /** @default 30_000 */
  ticketTtlMs?: number
  /** @default systemClock */
  clock?: Clock
  /** Receives unexpected internal failures. @default console.error */
  log?: (message: string, error: unknown) => void
}

/** A transport-neutral HTTP answer, written out by the Node server or an MSW handler. */
export interface HttpAnswer {
  status: number
  body: unknown
}

export const DEFAULT_JWT_SECRET = 'lifeline-dev-secret'

/** The limits and timings a session gets when the options leave them out. */
export const DEFAULT_LIMITS: SessionLimits = {
  heartbeatMs: 25_000,
  connectTimeoutMs: 10_000,
  maxFrameBytes: 65_536,
  maxSubscriptions: 128,
  maxBufferedBytes: 1_048_576,
  rateLimit: DEFAULT_RATE_LIMIT,
}
