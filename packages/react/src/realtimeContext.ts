import type { RealtimeClient } from '@lifeline/client'
import { createContext, type Context } from 'react'
import type { RegisteredChannels } from './register'

type ClientContext = Context<RealtimeClient<RegisteredChannels> | null>

// Kept on globalThis under a registered symbol: two copies of this package in one bundle (a
// dependency that pins another version) still share one context, so hooks find the provider.
const KEY = Symbol.for('@lifeline/react/context')
const registry = globalThis as { [KEY]?: ClientContext }

/** The React context holding the client; see {@link RealtimeProvider}. */
export const RealtimeContext: ClientContext = (registry[KEY] ??= createContext<RealtimeClient<RegisteredChannels> | null>(null))
RealtimeContext.displayName = 'RealtimeContext'
