/**
 * `@lifeline/react`: a provider and hooks over `@lifeline/client`, each a thin adapter over the
 * client's own `onState`/`getSnapshot` API.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md
 */
export { RealtimeProvider } from './RealtimeProvider'
export type { RealtimeProviderProps } from './RealtimeProvider'
export { RealtimeContext } from './realtimeContext'
export { useRealtimeClient } from './useRealtimeClient'
export { useConnectionState } from './useConnectionState'
export { useChannel } from './useChannel'
export type { ChannelHookOptions } from './useChannel'
export { useChannelEvent } from './useChannelEvent'
export { useLatestMessage } from './useLatestMessage'
export { usePresence } from './usePresence'
export type { PresenceHookOptions } from './usePresence'
export { usePublish } from './usePublish'
export type { Publish } from './usePublish'
export type { Register, RegisteredChannels, EventsOf, EventName } from './register'
