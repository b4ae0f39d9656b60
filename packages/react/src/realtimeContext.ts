import type { RealtimeClient } from '@lifeline/client'
import { createContext, type Context } from './reactApi'
import type { RegisteredChannels } from './register'

// Only `process.env.NODE_ENV`, which bundlers replace (as in React's own entry point, so wherever
// React runs it is replaced); this package has no Node typings.
declare const process: { env: { NODE_ENV?: string } }

type ClientContext = Context<RealtimeClient<RegisteredChannels> | null>

// Kept on globalThis under a registered symbol: two copies of this package in one bundle (a
// dependency that pins another version) still share one context, so hooks find the provider.
const registry = globalThis as Record<symbol, ClientContext | undefined>

/** The React context holding the client; see {@link RealtimeProvider}. */
export const RealtimeContext: ClientContext = (registry[Symbol.for('@lifeline/react/context')] ??= createContext<RealtimeClient<RegisteredChannels> | null>(null))
// Its name in React DevTools, in development builds only (production builds drop this line).
if (process.env.NODE_ENV !== 'production') RealtimeContext.displayName = 'RealtimeContext'
