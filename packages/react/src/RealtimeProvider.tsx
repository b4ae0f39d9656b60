import { refCount, type RealtimeClient, type RefCount } from '@lifeline/client'
import { useEffect, type ReactNode } from './reactApi'
import { RealtimeContext } from './realtimeContext'
import type { RegisteredChannels } from './register'

export interface RealtimeProviderProps {
  /** Made outside React (module scope or a ref), so re-renders never make a second one. */
  client: RealtimeClient<RegisteredChannels>
  /**
   * Call `client.connect()` once mounted (in the browser only: effects do not run on the server),
   * and `disconnect()` a grace period after the last provider of this client unmounts.
   * @default true
   */
  autoConnect?: boolean
  children?: ReactNode
}

/** A client stays connected this long after its last provider unmounted (StrictMode remounts at once). */
const timing = {
  releaseGraceMs: 1000,
  schedule(callback: () => void, ms: number) {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
}

/**
 * Where a client's mounts are counted: on the client itself, under a registered symbol, so providers
 * from two copies of this package (a dependency that pins another version) count together, and one
 * copy's unmount does not disconnect a client the other copy still shows.
 */
const MOUNTS = Symbol.for('@lifeline/react/mounts')

/**
 * Gives the hooks below it a client.
 * @example
 * const client = new RealtimeClient({ url: '/realtime', getToken })
 * root.render(<RealtimeProvider client={client}><App /></RealtimeProvider>)
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md
 */
export function RealtimeProvider({ client, autoConnect = true, children }: RealtimeProviderProps) {
  useEffect(() => {
    if (!autoConnect) return
    const hold = ((client as { [MOUNTS]?: RefCount })[MOUNTS] ??= refCount(() => client.disconnect(), timing))
    // StrictMode mounts, unmounts and mounts again: the second mount's hold cancels the release of
    // the fake unmount, and connect() is a no-op while connecting, so one connection results.
    const release = hold()
    client.connect()
    return release
  }, [client, autoConnect])
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>
}
