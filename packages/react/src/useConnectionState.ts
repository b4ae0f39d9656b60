import { IDLE_SNAPSHOT, type ChannelMap, type ConnectionSnapshot, type RealtimeClient } from '@lifeline/client'
import { useRef } from './reactApi'
import type { RegisteredChannels } from './register'
import { useRealtimeClient } from './useRealtimeClient'
import { useSource } from './useSource'

/**
 * The last selection, reused while neither the snapshot nor the selector changed: the snapshot,
 * the selector and what it selected (a tuple: a shipped bundle keeps property names, not indexes).
 */
type Selection<T> = [snapshot: ConnectionSnapshot, selector: ((snapshot: ConnectionSnapshot) => T) | undefined, selected: T]

/**
 * The connection state, or the part of it `selector` picks; re-renders only when that changes
 * (compared with `Object.is`). On the server it reads the `idle` snapshot.
 * @example
 * const status = useConnectionState((state) => state.status)
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#useconnectionstate
 */
export function useConnectionState<T = ConnectionSnapshot, Channels extends ChannelMap = RegisteredChannels>(
  selector?: (snapshot: ConnectionSnapshot) => T,
  options: { client?: RealtimeClient<Channels> } = {},
): T {
  const client = useRealtimeClient(options.client)
  const last = useRef<Selection<T>>(undefined)
  // The client hands out a new snapshot only on change, so a selector that builds objects still
  // gives React the same value until then (no render loop). A new selector (an inline arrow that
  // reads props) is applied at once rather than serving a selection made with the old one.
  const select = (snapshot: ConnectionSnapshot): T => {
    const previous = last.current
    if (previous?.[0] !== snapshot || previous[1] !== selector) last.current = [snapshot, selector, selector ? selector(snapshot) : (snapshot as T)]
    return last.current![2]
  }
  return useSource(
    client,
    (source, onStoreChange) => source.onState(onStoreChange),
    (source) => select(source.getSnapshot()),
    () => select(IDLE_SNAPSHOT),
  )
}
