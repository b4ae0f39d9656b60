import type { ChannelMap, PresenceMember } from '@lifeline/client'
import type { RegisteredChannels } from './register'
import { useChannel, type ChannelHookOptions } from './useChannel'
import { useSource } from './useSource'

export interface PresenceHookOptions<Channels extends ChannelMap = RegisteredChannels> extends Pick<ChannelHookOptions<Channels>, 'enabled' | 'client'> {
  /** What this connection joins with (any JSON, at most 1 KiB), read when the subscription starts. */
  data?: unknown
}

/** Nobody, on the server and during hydration: nothing is joined where nothing runs. */
const NOBODY: readonly PresenceMember[] = []

/**
 * Joins the presence of `name` while mounted (and `enabled`) and returns its members: one per
 * user, with its connection count and the data of its latest connection, this user included.
 * Re-renders when someone joins, leaves or changes; on the server it returns no one.
 * @example
 * const online = usePresence('comments:9', { data: { name: user.name } })
 * return <p>{online.map((member) => member.sub).join(', ')} online</p>
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/react.md#usepresence
 */
export function usePresence<N extends string, Channels extends ChannelMap = RegisteredChannels>(name: N, { data, ...options }: PresenceHookOptions<Channels> = {}): readonly PresenceMember[] {
  const { channel } = useChannel(name, { ...options, presence: data === undefined ? true : { data } })
  return useSource(
    channel.presence,
    (presence, onStoreChange) => presence.on('change', onStoreChange),
    (presence) => presence.members(),
    () => NOBODY,
  )
}
