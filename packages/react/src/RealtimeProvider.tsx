import type { RealtimeClient } from '@lifeline/client'
import { useEffect, type ReactNode } from 'react'
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

/** How long a client stays connected after its last provider unmounted (StrictMode remounts at once). */
const DISCONNECT_GRACE_MS = 1000

type Mounts = WeakMap<RealtimeClient<RegisteredChannels>, { count: number; timer?: ReturnType<typeof setTimeout> }>
// Shared like the context: providers from two copies of this package count their mounts together,
// so one copy's unmount does not disconnect a client the other copy still shows.
const KEY = Symbol.for('@lifeline/react/provider-mounts')
const registry = globalThis as { [KEY]?: Mounts }
const mounted: Mounts = (registry[KEY] ??= new WeakMap())

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
    const holder = mounted.get(client) ?? { count: 0 }
    mounted.set(client, holder)
    holder.count += 1
    clearTimeout(holder.timer)
    // StrictMode mounts, unmounts and mounts again: connect() is a no-op while connecting, and the
    // grace timer of the fake unmount is cleared here, so one connection results.
    client.connect()
    return () => {
      holder.count -= 1
      if (holder.count === 0) holder.timer = setTimeout(() => client.disconnect(), DISCONNECT_GRACE_MS)
    }
  }, [client, autoConnect])
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>
}
