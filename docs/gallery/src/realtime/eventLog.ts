/**
 * A bounded, observable list for the demo's logs (frames, token fetches, state changes), in the
 * `subscribe`/`getSnapshot` shape that `useSyncExternalStore` reads.
 */
export interface EventLog<T> {
  push(entry: T): void
  /** The entries, oldest first; a new array only when something was pushed. */
  getSnapshot(): readonly T[]
  subscribe(listener: () => void): () => void
}

export function eventLog<T>(limit: number): EventLog<T> {
  let entries: readonly T[] = []
  const listeners = new Set<() => void>()
  return {
    push(entry) {
      entries = [...entries.slice(-(limit - 1)), entry]
      for (const listener of [...listeners]) listener()
    },
    getSnapshot: () => entries,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
