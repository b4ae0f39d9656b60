import { useSyncExternalStore } from 'react'
import type { EventLog } from './eventLog'

/** The entries of an {@link EventLog}, re-rendering when one is pushed. */
export function useEventLog<T>(log: EventLog<T>): readonly T[] {
  return useSyncExternalStore(log.subscribe, log.getSnapshot, log.getSnapshot)
}
