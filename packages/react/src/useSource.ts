import { useCallback, useSyncExternalStore } from './reactApi'

/**
 * `useSyncExternalStore` over one source (a client, a channel, a channel's presence): `listen` is
 * called again only when `source` changes, so a re-render never listens anew. `onServer` gives the
 * value where nothing runs: on the server and during hydration.
 */
export function useSource<S, T>(source: S, listen: (source: S, onStoreChange: () => void) => () => void, read: (source: S) => T, onServer: () => T): T {
  const onStoreChange = useCallback((listener: () => void) => listen(source, listener), [source])
  return useSyncExternalStore(onStoreChange, () => read(source), onServer)
}
