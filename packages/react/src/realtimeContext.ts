import type { RealtimeClient } from '@lifeline/client'
import { createContext, type Context } from 'react'
import type { RegisteredChannels } from './register'
import { sharedAcrossCopies } from './sharedAcrossCopies'

/** The React context holding the client; see {@link RealtimeProvider}. One for every copy of this package. */
export const RealtimeContext: Context<RealtimeClient<RegisteredChannels> | null> = sharedAcrossCopies('context', () => createContext<RealtimeClient<RegisteredChannels> | null>(null))
RealtimeContext.displayName = 'RealtimeContext'
