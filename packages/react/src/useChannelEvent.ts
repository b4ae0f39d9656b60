import type { ChannelMap, MessageMeta, NotCatchAll } from '@lifeline/client'
import { useEffect, useRef } from './reactApi'
import type { EventName, EventsOf, RegisteredChannels } from './register'
import { useChannel, type ChannelHookOptions } from './useChannel'

/**
 * Calls `handler` once per `event` message of `name`, in order, straight from the client: not
 * through React state, so a burst is never merged by batching. The latest `handler` is always
 * used without resubscribing. With `enabled: false` it neither subscribes nor hears the channel.
 * @example
 * useChannelEvent('board:7', 'card_moved', (move) => board.apply(move))
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#usechannelevent
 */
export function useChannelEvent<N extends string, E extends EventName<N, Channels>, Channels extends ChannelMap = RegisteredChannels>(
  name: N,
  event: NotCatchAll<E>,
  handler: (data: EventsOf<N, Channels>[E], meta: MessageMeta) => void,
  options?: ChannelHookOptions<Channels>,
): void {
  const { channel } = useChannel(name, options)
  const handlerRef = useRef(handler)
  // Declared before the listener below, so a commit always installs the new handler first.
  useEffect(() => {
    handlerRef.current = handler
  })
  // `enabled: false` silences the handler too: another component may hold the same channel open.
  const enabled = options?.enabled ?? true
  useEffect(() => (enabled ? channel.on(event, (data, meta) => handlerRef.current(data, meta)) : undefined), [channel, event, enabled])
}
