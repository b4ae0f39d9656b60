import type { Channel, ChannelState, RealtimeClient } from '@lifeline/client'
import { useCallback, useEffect, useSyncExternalStore } from 'react'
import type { EventsOf, RegisteredChannels } from './register'
import { useRealtimeClient } from './useRealtimeClient'

export interface ChannelHookOptions {
  /**
   * Hold the server subscription only while `true`.
   * @default true
   */
  enabled?: boolean
  /** Use this client instead of the provider's. */
  client?: RealtimeClient<RegisteredChannels>
}

const IDLE_CHANNEL: ChannelState = { status: 'idle', error: undefined }

/**
 * Subscribes to `name` while mounted (and `enabled`); returns the channel handle and its state.
 * Changing `name` moves the subscription; the server subscription is released a grace period after
 * the last user unmounts, so StrictMode's double mount makes one.
 * @example
 * const { state, channel } = useChannel('board:7')
 * if (state.status === 'failed') return <p>{state.error?.code}</p>
 * @see ../../../docs/react.md#usechannel
 */
export function useChannel<N extends string>(name: N, { enabled = true, client }: ChannelHookOptions = {}): { channel: Channel<EventsOf<N>>; state: ChannelState } {
  const channel = useRealtimeClient(client).channel(name) as Channel<EventsOf<N>>
  useEffect(() => (enabled ? channel.subscribe() : undefined), [channel, enabled])
  const subscribe = useCallback((listener: () => void) => channel.onState(listener), [channel])
  const state = useSyncExternalStore(
    subscribe,
    () => channel.state,
    () => IDLE_CHANNEL,
  )
  return { channel, state }
}
