import { useEffect, useState } from 'react'
import type { EventName, EventsOf } from './register'
import type { ChannelHookOptions } from './useChannel'
import { useChannelEvent } from './useChannelEvent'

/**
 * The payload of the latest `event` on `name` (or `initial` until one arrives). For state that
 * is "the current value" (a score, a status); use `useChannelEvent` for streams of changes.
 * @example
 * const stats = useLatestMessage('dashboard', 'stats', { initial: undefined })
 * @see ../../../docs/react.md#uselatestmessage
 */
export function useLatestMessage<N extends string, E extends EventName<N>, I = undefined>(
  name: N,
  event: E,
  options: ChannelHookOptions & { initial?: I } = {},
): EventsOf<N>[E] | I {
  const [latest, setLatest] = useState<EventsOf<N>[E] | I>(options.initial as I)
  // A new channel or event starts from `initial` again rather than showing another stream's value.
  useEffect(() => setLatest(options.initial as I), [name, event])
  useChannelEvent(name, event, (data) => setLatest(() => data), options)
  return latest
}
