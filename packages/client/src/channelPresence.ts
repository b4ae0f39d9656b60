import mitt, { type Emitter } from 'mitt'
import type { PresenceFrame, PresenceMember } from '@lifeline/protocol'
import { listen } from './listen'

/** Events of `channel.presence`; each handler gets the member as it is now (`connections: 0` on `leave`). */
export type PresenceEvents = {
  /** A user's first connection joined. */
  join: PresenceMember
  /** A user's last connection left. */
  leave: PresenceMember
  /** A member's connection count or data changed. */
  update: PresenceMember
  /** The member list changed (after each of the above): the new `members()`. */
  change: readonly PresenceMember[]
}

const NONE: readonly PresenceMember[] = []

/**
 * Who is in a channel's presence, as the server last said: a snapshot when the channel subscribes
 * with `presence`, then each change. `members()` is a new array only on change, so it can be a
 * `useSyncExternalStore` snapshot.
 * @example
 * const comments = client.channel('comments:9')
 * comments.subscribe({ presence: { data: { name: 'Ada' } } })
 * comments.presence.on('change', (members) => renderAvatars(members))
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#presence
 */
export class ChannelPresence {
  #members = NONE
  readonly #events: Emitter<PresenceEvents> = mitt()

  /** The members now: one per user (`sub`), with its connection count and latest data. Empty until joined. */
  members(): readonly PresenceMember[] {
    return this.#members
  }

  /** Listens to presence changes; returns the unsubscribe. */
  on<K extends keyof PresenceEvents>(type: K, handler: (value: PresenceEvents[K]) => void): () => void {
    return listen(this.#events, type, handler)
  }

  /** @internal A snapshot (subscribe reply) replaces the list; the differences are announced as changes. */
  reset(members: readonly PresenceMember[]): void {
    const next = new Map(members.map((member) => [member.sub, member]))
    for (const member of this.#members) if (!next.has(member.sub)) this.#set({ sub: member.sub, connections: 0 })
    for (const member of next.values()) this.#set(member)
  }

  /** @internal One change from the server. */
  apply({ member }: PresenceFrame): void {
    this.#set(member)
  }

  /** Puts `member` in the list (or takes it out at 0 connections) and says what changed, if anything. */
  #set(member: PresenceMember): void {
    const members = this.#members
    const index = members.findIndex((known) => known.sub === member.sub)
    const known = members[index]
    const gone = member.connections === 0
    if (!known && gone) return
    if (known && !gone && known.connections === member.connections && JSON.stringify(known.data) === JSON.stringify(member.data)) return
    this.#members = gone ? members.filter((_, at) => at !== index) : known ? members.map((old, at) => (at === index ? member : old)) : [...members, member]
    this.#events.emit(gone ? 'leave' : known ? 'update' : 'join', member)
    this.#events.emit('change', this.#members)
  }
}
