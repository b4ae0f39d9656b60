import type { ChannelMap, PublishResult } from '@lifeline/client'
import { useCallback } from './reactApi'
import type { EventName, EventsOf, RegisteredChannels } from './register'
import type { ChannelHookOptions } from './useChannel'
import { useRealtimeClient } from './useRealtimeClient'

/** Publishes `data` as `event` on a channel; settles with the server's reply. */
export type Publish<N extends string, Channels extends ChannelMap = RegisteredChannels> = <E extends EventName<N, Channels>>(event: E, data: EventsOf<N, Channels>[E]) => Promise<PublishResult>

/**
 * A stable function that publishes on `name`; it settles with the server's reply and is queued
 * while offline. Publishing needs no subscription.
 * @example
 * const publish = usePublish('board:7')
 * const { position } = await publish('card_moved', { card: 'c1', to: 'done' })
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#usepublish
 */
export function usePublish<N extends string, Channels extends ChannelMap = RegisteredChannels>(name: N, options: Pick<ChannelHookOptions<Channels>, 'client'> = {}): Publish<N, Channels> {
  const channel = useRealtimeClient(options.client).channel(name)
  return useCallback((event, data) => channel.publish(event, data as never), [channel])
}
