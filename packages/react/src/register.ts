import type { ChannelEvents, ChannelMap } from '@lifeline/client'

/**
 * Declare your channels once and every hook is typed by them:
 * @example
 * declare module '@lifeline/react' {
 *   interface Register {
 *     channels: { 'board:7': { card_moved: { card: string; to: string } }; [name: `user:${string}`]: { notification: Note } }
 *   }
 * }
 * @see ../../../docs/react.md#typing
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The channel map from {@link Register}, or any channels when none is registered. */
export type RegisteredChannels = Register extends { channels: infer Channels extends ChannelMap } ? Channels : ChannelMap

/** The events of channel `N` under the registered channel map. */
export type EventsOf<N extends string> = ChannelEvents<RegisteredChannels, N>

/** Event names of channel `N`. */
export type EventName<N extends string> = keyof EventsOf<N> & string

