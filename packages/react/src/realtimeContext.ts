import type { RealtimeClient } from '@lifeline/client'
import { createContext, type Context } from './reactApi'
import type { RegisteredChannels } from './register'
import { sharedAcrossCopies } from './sharedAcrossCopies'

/** The React context holding the client; see {@link RealtimeProvider}. One for every copy of this package. */
export const RealtimeContext: Context<RealtimeClient<RegisteredChannels> | null> = sharedAcrossCopies('context', () => createContext<RealtimeClient<RegisteredChannels> | null>(null))
// Only `process.env.NODE_ENV`, which bundlers replace: this package has no Node typings.
declare const process: { env: { NODE_ENV?: string } }
// Its name in React DevTools, in development builds (production builds fold this away).
if (typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') RealtimeContext.displayName = 'RealtimeContext'
