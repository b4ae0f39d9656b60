import type { PresenceMember } from '@lifeline/protocol'
import type { PresenceChange, PresenceEntry, PresenceSnapshot } from './broker'
import { ListenerSet } from './listenerSet'

interface ChannelPresence {
  /** The version of the last change; a snapshot carries it so that later changes can be told apart. */
  version: number
  /** The connections of each user, in the order they joined (a `Map` keeps insertion order). */
  users: Map<string, Map<string, PresenceEntry>>
  /** Which user each connection belongs to. */
  owners: Map<string, string>
  listeners: ListenerSet<PresenceChange>
}

/** A user's member record: its connection count and the data of its most recent connection. */
export function memberOf(sub: string, connections: readonly PresenceEntry[]): PresenceMember | undefined {
  const latest = connections.at(-1)
  if (!latest) return undefined
  return { sub, connections: connections.length, ...('data' in latest ? { data: latest.data } : {}) }
}

/**
 * What changed for one user between two member records: `join` (none before), `leave` (none after),
 * `update` (count or data differ), or nothing.
 */
export function changeOf(sub: string, before: PresenceMember | undefined, after: PresenceMember | undefined): Omit<PresenceChange, 'version'> | undefined {
  if (!before && !after) return undefined
  if (!before) return { action: 'join', member: after! }
  if (!after) return { action: 'leave', member: { sub, connections: 0 } }
  const same = before.connections === after.connections && JSON.stringify(before.data) === JSON.stringify(after.data) && 'data' in before === 'data' in after
  return same ? undefined : { action: 'update', member: after }
}

/**
 * The presence of every channel of one process, for `MemoryBroker`: who joined with which
 * connections, and the listeners that hear each change as it happens.
 */
export class MemoryPresence {
  readonly #channels = new Map<string, ChannelPresence>()
  readonly #logError: (message: string, error: unknown) => void

  constructor(logError: (message: string, error: unknown) => void) {
    this.#logError = logError
  }

  join(entry: PresenceEntry): void {
    const presence = this.#presence(entry.channel)
    // A connection that joins again replaces its entry, and moves to the end as the most recent.
    this.#change(presence, entry.sub, (connections) => {
      connections.delete(entry.connection)
      connections.set(entry.connection, entry)
    })
    presence.owners.set(entry.connection, entry.sub)
  }

  leave(channel: string, connection: string): void {
    const presence = this.#channels.get(channel)
    const sub = presence?.owners.get(connection)
    if (!presence || sub === undefined) return
    presence.owners.delete(connection)
    this.#change(presence, sub, (connections) => connections.delete(connection))
    this.#forgetIfUnused(channel, presence)
  }

  snapshot(channel: string): PresenceSnapshot {
    const presence = this.#channels.get(channel)
    if (!presence) return { members: [], version: 0 }
    const members = [...presence.users].map(([sub, connections]) => memberOf(sub, [...connections.values()])!)
    return { members, version: presence.version }
  }

  /** Calls `listener` with every later change of `channel`'s presence; returns the stop. */
  listen(channel: string, listener: (change: PresenceChange) => void): () => void {
    const presence = this.#presence(channel)
    presence.listeners.add(listener)
    return () => {
      presence.listeners.delete(listener)
      this.#forgetIfUnused(channel, presence)
    }
  }

  clear(): void {
    this.#channels.clear()
  }

  #change(presence: ChannelPresence, sub: string, apply: (connections: Map<string, PresenceEntry>) => void): void {
    const connections = presence.users.get(sub) ?? new Map<string, PresenceEntry>()
    const before = memberOf(sub, [...connections.values()])
    apply(connections)
    if (connections.size > 0) presence.users.set(sub, connections)
    else presence.users.delete(sub)
    const change = changeOf(sub, before, memberOf(sub, [...connections.values()]))
    if (!change) return
    presence.version += 1
    const numbered = { ...change, version: presence.version }
    presence.listeners.emit(numbered, (error) => this.#logError('presence listener failed', error))
  }

  #presence(channel: string): ChannelPresence {
    let presence = this.#channels.get(channel)
    if (!presence) this.#channels.set(channel, (presence = { version: 0, users: new Map(), owners: new Map(), listeners: new ListenerSet() }))
    return presence
  }

  /**
   * Drops a channel nobody is in or listens to. Its version starts again from 0 next time, which is
   * safe: a subscriber always starts listening before it reads a snapshot, so it never compares
   * versions from before and after.
   */
  #forgetIfUnused(channel: string, presence: ChannelPresence): void {
    if (presence.owners.size === 0 && presence.listeners.size === 0 && this.#channels.get(channel) === presence) this.#channels.delete(channel)
  }
}
