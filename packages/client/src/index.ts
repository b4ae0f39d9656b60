/**
 * `@lifeline/client`: a framework-agnostic real-time client. WebSocket first, SSE and long-polling fallback,
 * reconnection with jittered backoff, token refresh, and recovery without loss or duplicates.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md
 */
export { RealtimeClient } from './realtimeClient'
export type { PublishResult } from './realtimeClient'
export type { ClientEvents, ClientStats, ChannelMap, ChannelEvents } from './types'
export { Channel } from './channel'
export type { ChannelState, ChannelStatus, EventMap, Gap, MessageMeta, SubscribeOptions, AnyHandler, NotCatchAll } from './types'
export { ChannelPresence } from './channelPresence'
export type { PresenceEvents } from './channelPresence'
export { IDLE as IDLE_SNAPSHOT } from './connectionState'
export type { ConnectionSnapshot, ConnectionStatus } from './connectionState'
export { RealtimeError, UnauthorizedError } from './errors'
export type { RealtimeErrorCode, ClientErrorCode, Diagnosis } from './errors'
export { DEFAULT_OPTIONS } from './options'
export type { RealtimeClientOptions, KeyValueStorage } from './options'
export type { Share } from './share'
export type { ReconnectDelay } from './backoff'
export type { GetToken, TokenReason } from './tokenManager'
export type { Timers } from './timers'
// Shared with @lifeline/react, whose provider counts the mounts of one client with it.
export { refCount } from './refCount'
export type { RefCount, RefCountTiming } from './refCount'
export type { Position, PresenceMember, TransportName } from '@lifeline/protocol'
