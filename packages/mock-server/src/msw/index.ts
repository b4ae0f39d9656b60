/**
 * `@lifeline/mock-server/msw`: the Lifeline protocol as msw handlers (`ws.link` and `http`),
 * driven by the same engine as the Node server. Browser-safe: no Node built-ins.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/testing.md#the-msw-handlers
 */
export { createMswHandlers } from './createMswHandlers'
export type { MswHandlersOptions, MswHandlers } from './createMswHandlers'
export type { GatewayOptions } from '../gateway/gateway'
export type { SessionControls, ClientInfo, DisconnectOptions } from '../sessionControls'
export type { Faults } from '../faults'
export { MemoryBroker, signToken, DEFAULT_JWT_SECRET, DEFAULT_CHANNEL_RULES } from '../engine/index'
export type { EngineOptions, ChannelRule, Claims, TokenVerifier, PublishOutcome } from '../engine/index'
export type { TransportName } from '@lifeline/protocol'
