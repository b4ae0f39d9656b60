import type { PresenceMember } from '@lifeline/protocol'
import type { Redis } from 'ioredis'
import type { PresenceEntry, PresenceSnapshot } from '../engine/broker'
import { unavailable } from '../engine/refusedError'
import type { RedisKeys } from './keys'
import type { PresenceScriptCommands } from './presenceScripts'

export interface RedisPresenceOptions {
  replica: string
  keys: RedisKeys
  commands: Redis & PresenceScriptCommands
  /** Lifetime of the liveness key; it is renewed, and dead replicas are looked for, every third of it. */
  ttlMs: number
  /** Whether Redis can take commands now. */
  ready(): boolean
  log(message: string, error: unknown): void
}

/** A connection whose last write Redis did not confirm. */
interface Unsure {
  channel: string
  connection: string
  sub: string
}

/** The two halves of a key name around its variable part, for the sweep script to rebuild it. */
const around = (name: (part: string) => string): string[] => name('\u0000').split('\u0000')

/**
 * One replica's part of presence in Redis (see `presenceScripts.ts`). What its local connections
 * are is known here; Redis holds what every replica announced. A write Redis does not confirm (it
 * is away, or the command timed out) is made again from the local state on the next heartbeat, so
 * Redis ends up right whichever way the failed write went. A replica whose liveness key expired
 * while it lived (Redis was away, the process stalled) was removed by the others: it announces its
 * connections again.
 */
export class RedisPresence {
  readonly #options: RedisPresenceOptions
  /** This replica's connections in presence, per channel: what Redis must show of it. */
  readonly #local = new Map<string, Map<string, PresenceEntry>>()
  readonly #unsure = new Map<string, Unsure>()
  readonly #sweepNames: string[]
  readonly #timer: ReturnType<typeof setInterval>
  #beat: Promise<void> | undefined
  /** A heartbeat went through: the liveness key exists (or existed until it expired). */
  #alive = false
  #closed = false

  constructor(options: RedisPresenceOptions) {
    this.#options = options
    const { keys } = options
    this.#sweepNames = [...around(keys.presence), ...around(keys.fanout), ...around(keys.presenceChannels), ...around(keys.alive)]
    this.#timer = setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(options.ttlMs / 3)))
    this.#timer.unref?.()
  }

  /** Adds a local connection; rejects with `UNAVAILABLE` when Redis did not confirm it (a leave still follows). */
  async join(entry: PresenceEntry): Promise<void> {
    if (!this.#options.ready()) throw unavailable('Cannot join presence now: Redis is unreachable; retry')
    const connections = this.#local.get(entry.channel) ?? new Map<string, PresenceEntry>()
    this.#local.set(entry.channel, connections.set(entry.connection, entry))
    // A replica is listed among the living before its first connection is written.
    if (!this.#alive) await this.heartbeat()
    // Left while the heartbeat ran: nothing to write.
    if (this.#local.get(entry.channel)?.get(entry.connection) !== entry) return
    try {
      await this.#write(entry.channel, entry.connection, entry.sub)
    } catch (error) {
      this.#unsure.set(`${entry.channel}\u0000${entry.connection}`, entry)
      this.#options.log('Redis presence join failed', error)
      throw unavailable('Redis did not confirm the presence join; retry')
    }
  }

  /** Removes a local connection; never fails (an unconfirmed leave is written again later). */
  leave(channel: string, connection: string): void {
    const connections = this.#local.get(channel)
    const entry = connections?.get(connection)
    if (!connections || !entry) return
    connections.delete(connection)
    if (connections.size === 0) this.#local.delete(channel)
    const unsure: Unsure = { channel, connection, sub: entry.sub }
    if (!this.#options.ready()) return void this.#unsure.set(`${channel}\u0000${connection}`, unsure)
    this.#write(channel, connection, entry.sub).catch((error: unknown) => {
      this.#unsure.set(`${channel}\u0000${connection}`, unsure)
      this.#options.log('Redis presence leave failed; retrying', error)
    })
  }

  async members(channel: string): Promise<PresenceSnapshot> {
    if (!this.#options.ready()) throw unavailable('Cannot read presence now: Redis is unreachable; retry')
    try {
      const [version, members] = await this.#options.commands.lifelinePresenceMembers(1, this.#options.keys.presence(channel))
      return { version: Number(version), members: JSON.parse(members) as PresenceMember[] }
    } catch (error) {
      this.#options.log('Redis presence read failed', error)
      throw unavailable('Redis did not answer the presence read; retry')
    }
  }

  /**
   * Renews the liveness key, writes again what Redis did not confirm, and removes the presence of
   * replicas whose key expired. Runs every third of the ttl; one at a time.
   */
  heartbeat(): Promise<void> {
    this.#beat ??= this.#heartbeat().finally(() => (this.#beat = undefined))
    return this.#beat
  }

  /** Stops the heartbeat and takes this replica's connections out of presence at once (best effort). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    this.#local.clear()
    this.#unsure.clear()
    if (!this.#options.ready() || !this.#alive) return
    const { commands, keys, replica } = this.#options
    try {
      await commands.lifelinePresenceSweep(1, keys.presenceReplicas, replica, replica, ...this.#sweepNames)
      await commands.del(keys.alive(replica))
    } catch (error) {
      // The others remove it once its liveness key expires.
      this.#options.log('Redis presence cleanup on close failed', error)
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#closed || !this.#options.ready()) return
    const { commands, keys, replica, ttlMs } = this.#options
    try {
      const existed = await commands.lifelinePresenceHeartbeat(2, keys.alive(replica), keys.presenceReplicas, replica, ttlMs)
      if (existed === 0 && this.#alive) {
        // Taken for dead meanwhile: the others removed what this replica had announced.
        for (const [channel, connections] of this.#local) for (const entry of connections.values()) this.#unsure.set(`${channel}\u0000${entry.connection}`, entry)
      }
      this.#alive = true
      for (const [key, { channel, connection, sub }] of [...this.#unsure]) {
        this.#unsure.delete(key)
        await this.#write(channel, connection, sub).catch((error: unknown) => {
          this.#unsure.set(key, { channel, connection, sub })
          throw error
        })
      }
      await commands.lifelinePresenceSweep(1, keys.presenceReplicas, replica, '', ...this.#sweepNames)
    } catch (error) {
      this.#options.log('Redis presence heartbeat failed', error)
    }
  }

  /** Writes what the local state says of one connection: joined (with its data) or not. */
  #write(channel: string, connection: string, sub: string): Promise<number> {
    const { commands, keys, replica } = this.#options
    const connections = this.#local.get(channel)
    const entry = connections?.get(connection)
    const data = entry && 'data' in entry ? JSON.stringify(entry.data) : ''
    const last = entry || connections ? '0' : '1'
    return commands.lifelinePresenceSet(1, keys.presence(channel), replica, connection, sub, entry ? 'join' : 'leave', data, keys.fanout(channel), keys.presenceChannels(replica), channel, last)
  }
}
