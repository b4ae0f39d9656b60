import type { ChannelEvents, ChannelMap } from '@lifeline/client'

/**
 * Declare your channels once and every hook is typed by them:
 * @example
 * declare module '@lifeline/react' {
 *   interface Register {
 *     channels: { leaderboard: { scores: Score[] }; [name: `user:${string}`]: { notification: Note } }
 *   }
 * }
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#typing
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The channel map from {@link Register}, or any channels when none is registered. */
export type RegisteredChannels = Register extends { channels: infer Channels extends ChannelMap } ? Channels : ChannelMap

/** The events of channel `N` in `Channels` (the registered map unless a typed client says otherwise). */
export type EventsOf<N extends string, Channels extends ChannelMap = RegisteredChannels> = ChannelEvents<Channels, N>

/** Event names of channel `N`. */
export type EventName<N extends string, Channels extends ChannelMap = RegisteredChannels> = keyof EventsOf<N, Channels> & string
