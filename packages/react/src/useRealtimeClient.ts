import type { ChannelMap, RealtimeClient } from '@lifeline/client'
import { useContext } from './reactApi'
import { RealtimeContext } from './realtimeContext'
import type { RegisteredChannels } from './register'


// Only `process.env.NODE_ENV`, which bundlers replace (as in React's own entry point, so wherever
// React runs it is replaced); this package has no Node typings.
declare const process: { env: { NODE_ENV?: string } }

/**
 * The client passed in, else the one from the nearest {@link RealtimeProvider}.
 * @example
 * const client = useRealtimeClient()
 * useEffect(() => client.on('error', report), [client])
 * @throws {TypeError} when there is neither (a misconfiguration)
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#userealtimeclient
 */
export function useRealtimeClient<Channels extends ChannelMap = RegisteredChannels>(client?: RealtimeClient<Channels>): RealtimeClient<Channels> {
  const fromContext = useContext(RealtimeContext)
  const resolved = client ?? (fromContext as RealtimeClient<Channels> | null)
  if (!resolved) {
    // The guidance only in development builds: bundlers drop it from production ones.
    throw new TypeError(process.env.NODE_ENV !== 'production' ? '[lifeline] No RealtimeClient: wrap the tree in <RealtimeProvider client={client}> or pass { client } to the hook.' : '[lifeline] No RealtimeClient')
  }
  return resolved
}
