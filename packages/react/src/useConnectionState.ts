import { IDLE_SNAPSHOT, type ConnectionSnapshot, type RealtimeClient } from '@lifeline/client'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import type { RegisteredChannels } from './register'
import { useRealtimeClient } from './useRealtimeClient'

const identity = <T,>(value: T) => value

/**
 * The connection state, or the part of it `selector` picks; re-renders only when that changes
 * (compared with `Object.is`). On the server it reads the `idle` snapshot.
 * @example
 * const status = useConnectionState((state) => state.status)
 * @see ../../../docs/react.md#useconnectionstate
 */
export function useConnectionState<T = ConnectionSnapshot>(selector: (snapshot: ConnectionSnapshot) => T = identity as never, options: { client?: RealtimeClient<RegisteredChannels> } = {}): T {
  const client = useRealtimeClient(options.client)
  const selectorRef = useRef(selector)
  selectorRef.current = selector
  // Memoised per snapshot object: the client hands out a new snapshot only on change, so a selector
  // that builds objects still gives React a stable value between changes (no render loop).
  const memo = useRef<{ snapshot: ConnectionSnapshot; selected: T }>(undefined)
  const select = useCallback((snapshot: ConnectionSnapshot) => {
    if (memo.current?.snapshot !== snapshot) memo.current = { snapshot, selected: selectorRef.current(snapshot) }
    return memo.current.selected
  }, [])
  const subscribe = useCallback((listener: () => void) => client.subscribe(listener), [client])
  return useSyncExternalStore(
    subscribe,
    () => select(client.getSnapshot()),
    () => select(IDLE_SNAPSHOT),
  )
}
