/**
 * `@lifeline/mock-server/engine`: the protocol engine with no Node dependencies, for custom hosts
 * (the MSW handlers use it in the browser).
 */
export { ProtocolEngine, DEFAULT_JWT_SECRET, DEFAULT_LIMITS } from './protocolEngine'
export type { EngineOptions, HttpAnswer, SessionEvent } from './protocolEngine'
export { Session } from './session'
export type { Link, SessionStatus } from './session'
export { MemoryBroker, DEFAULT_HISTORY_OPTIONS } from './memoryBroker'
export type { MemoryBrokerOptions, HistoryOptions } from './memoryBroker'
export { SESSION_NOT_FOUND } from './broker'
export type { Broker, BrokerHealth, HistoryResult, Publication, PublishInput, PublishOutcome, UpstreamEnvelope, UpstreamVerdict, PollEnvelope, PollVerdict, Refusal, SubscriptionEnded, PresenceChange, PresenceEntry, PresenceSnapshot } from './broker'
export { AuthError, jwtVerifier, signToken, bearerToken } from './auth'
export { RefusedError } from './refusedError'
export type { Claims, TokenVerifier, DevTokenOptions } from './auth'
export { DEFAULT_CHANNEL_RULES, channelAuthorizer } from './channelRules'
export type { ChannelRule, ChannelAction } from './channelRules'
export { systemClock } from './clock'
export type { Clock } from './clock'
export { DEFAULT_RATE_LIMIT } from './rateLimiter'
export type { RateLimit } from './rateLimiter'
export type { TicketGrant } from './tickets'
export { BINARY_FRAME, SSE_NO_RETRY_MS, sseEventId } from './wireFormat'
export type { Position, ServerFrame, ErrorBody, ErrorCode } from '@lifeline/protocol'
