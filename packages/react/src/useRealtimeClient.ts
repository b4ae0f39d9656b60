import type { RealtimeClient } from '@lifeline/client'
import { useContext } from 'react'
import { RealtimeContext } from './realtimeContext'
import type { RegisteredChannels } from './register'

/**
 * The client passed in, else the one from the nearest {@link RealtimeProvider}.
 * @throws {Error} when there is neither
 */
export function useRealtimeClient(client?: RealtimeClient<RegisteredChannels>): RealtimeClient<RegisteredChannels> {
  const fromContext = useContext(RealtimeContext)
  const resolved = client ?? fromContext
  if (!resolved) throw new Error('[lifeline] No RealtimeClient: wrap the tree in <RealtimeProvider client={client}> or pass { client } to the hook.')
  return resolved
}
