import type { Channel, ChannelMap, ChannelState, RealtimeClient, SubscribeOptions } from '@lifeline/client'
import { useEffect } from './reactApi'
import type { EventsOf, RegisteredChannels } from './register'
import { useRealtimeClient } from './useRealtimeClient'
import { useSource } from './useSource'

export interface ChannelHookOptions<Channels extends ChannelMap = RegisteredChannels> extends SubscribeOptions {
  /**
   * Hold the server subscription only while `true`.
   * @default true
   */
  enabled?: boolean
  /** Use this client instead of the provider's; a typed client types the hook. */
  client?: RealtimeClient<Channels>
}

/** What a channel looks like where nothing runs: on the server and during hydration. */
const IDLE_CHANNEL: ChannelState = { status: 'idle', error: undefined }

/**
 * Subscribes to `name` while mounted (and `enabled`); returns the channel handle and its state.
 * Changing `name` moves the subscription; the server subscription is released a grace period after
 * the last user unmounts, so StrictMode's double mount makes one. `rewind` and `presence` are read
 * when the subscription starts (see `channel.subscribe`).
 * @example
 * const { state, channel } = useChannel('board:7', { rewind: 20 })
 * if (state.status === 'failed') return <p>{state.error?.code}</p>
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#usechannel
 */
export function useChannel<N extends string, Channels extends ChannelMap = RegisteredChannels>(
  name: N,
  { enabled = true, client, rewind, presence }: ChannelHookOptions<Channels> = {},
): { channel: Channel<EventsOf<N, Channels>>; state: ChannelState } {
  const channel = useRealtimeClient(client).channel(name) as Channel<EventsOf<N, Channels>>
  // Deliberately not dependencies: the options of the render that starts the subscription apply, and
  // a new option object on every render (an inline `{ data }`) must not subscribe again.
  useEffect(() => (enabled ? channel.subscribe({ rewind, presence }) : undefined), [channel, enabled])
  const state = useSource(
    channel,
    (source, onStoreChange) => source.onState(onStoreChange),
    (source) => source.state,
    () => IDLE_CHANNEL,
  )
  return { channel, state }
}
