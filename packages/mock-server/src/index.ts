/**
 * `@lifeline/mock-server`: the reference server for the Lifeline protocol, for tests, local
 * development and demos.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md
 */
export { createServer } from './createServer'
export type { ServerOptions, MockServer } from './createServer'
export type { GatewayOptions } from './gateway/gateway'
export type { SessionControls, ClientInfo, DisconnectOptions } from './sessionControls'
export type { Faults } from './faults'
export { createFaultProxy } from './faultProxy'
export type { FaultProxy, FaultProxyOptions, UpgradeMode, ConnectionKind } from './faultProxy'
export { startDemo, DEMO_USERS } from './demo'
export type { DemoOptions } from './demo'
export {
  ProtocolEngine,
  MemoryBroker,
  DEFAULT_CHANNEL_RULES,
  DEFAULT_HISTORY_OPTIONS,
  DEFAULT_JWT_SECRET,
  AuthError,
  RefusedError,
  jwtVerifier,
  signToken,
  systemClock,
} from './engine/index'
export type {
  EngineOptions,
  Broker,
  BrokerHealth,
  HistoryResult,
  Publication,
  PublishInput,
  PublishOutcome,
  SubscriptionEnded,
  PresenceChange,
  PresenceEntry,
  PresenceSnapshot,
  ChannelRule,
  Claims,
  TokenVerifier,
  RateLimit,
  Clock,
} from './engine/index'
/** The protocol's own types, as they appear in this package's API. */
export type { Position, ServerFrame, ErrorBody, ErrorCode, TransportName } from '@lifeline/protocol'
