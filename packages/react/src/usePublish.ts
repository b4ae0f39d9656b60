import type { PublishResult } from '@lifeline/client'
import { useCallback } from 'react'
import type { EventName, EventsOf } from './register'
import { useRealtimeClient } from './useRealtimeClient'
import type { ChannelHookOptions } from './useChannel'

/**
 * A stable function that publishes on `name`; it settles with the server's reply and is queued
 * while offline. Publishing needs no subscription.
 * @example
 * const publish = usePublish('board:7')
 * publish('card_moved', { card: 'c1', to: 'done' })
 * @see ../../../docs/react.md#usepublish
 */
export function usePublish<N extends string>(name: N, options: Pick<ChannelHookOptions, 'client'> = {}): <E extends EventName<N>>(event: E, data: EventsOf<N>[E]) => Promise<PublishResult> {
  const channel = useRealtimeClient(options.client).channel(name)
  return useCallback((event, data) => channel.publish(event, data as never), [channel])
}
