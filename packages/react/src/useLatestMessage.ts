import type { Channel, ChannelMap, NotCatchAll } from '@lifeline/client'
import { useState } from './reactApi'
import type { EventName, EventsOf, RegisteredChannels } from './register'
import type { ChannelHookOptions } from './useChannel'
import { useChannelEvent } from './useChannelEvent'
import { useRealtimeClient } from './useRealtimeClient'

/** A payload with the stream it came from: one channel handle per client and name, and the event. */
interface Latest<T> {
  channel: Channel<never>
  event: string
  data: T
}

/**
 * The payload of the latest `event` on `name` (or `initial` until one arrives). For state that
 * is "the current value" (a score, a status); use `useChannelEvent` for streams of changes. With
 * `rewind: 1` (or more, when other events share the channel) the channel's last messages are
 * replayed when its subscription starts, so the value shows on mount instead of after the next
 * publish.
 * @example
 * const scores = useLatestMessage('leaderboard', 'scores', { initial: [], rewind: 1 })
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#uselatestmessage
 */
export function useLatestMessage<N extends string, E extends EventName<N, Channels>, I = undefined, Channels extends ChannelMap = RegisteredChannels>(
  name: N,
  event: NotCatchAll<E>,
  options: ChannelHookOptions<Channels> & { initial?: I } = {},
): EventsOf<N, Channels>[E] | I {
  const channel = useRealtimeClient(options.client).channel(name) as Channel<never>
  const [latest, setLatest] = useState<Latest<EventsOf<N, Channels>[E]>>()
  useChannelEvent(name, event, (data) => setLatest({ channel, event, data }), options)
  // Kept with its source: after a change of client, channel or event the hook shows `initial` in
  // that very render, never the previous stream's value. That value is also dropped (React renders
  // again at once), so coming back to the stream later does not show one from before the messages
  // missed meanwhile.
  const current = latest?.channel === channel && latest.event === event
  if (latest && !current) setLatest(undefined)
  return current ? latest!.data : (options.initial as I)
}
