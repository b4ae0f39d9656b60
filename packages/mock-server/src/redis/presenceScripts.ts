import type { Redis } from 'ioredis'
import presenceFunctions from '@lifeline/protocol/redis/presence_functions.lua'
import presenceHeartbeat from '@lifeline/protocol/redis/presence_heartbeat.lua'
import presenceMembers from '@lifeline/protocol/redis/presence_members.lua'
import presenceSet from '@lifeline/protocol/redis/presence_set.lua'
import presenceSweep from '@lifeline/protocol/redis/presence_sweep.lua'

/**
 * Presence in Redis, kept atomic by Lua scripts. They live once, as `.lua` files in
 * `@lifeline/protocol/redis`, because the Django backend runs the same scripts on the same Redis
 * layout; `presence_functions.lua` describes that layout (per channel, one hash: the version and
 * each user's connections), and each file's header says what it does and its KEYS / ARGV.
 *
 * Every change publishes `{"p":{"a":action,"v":version,"m":member}}` on the channel's fan-out
 * pub/sub channel, inside the same script, so every replica hears a channel's changes in version
 * order. Each replica renews a liveness key (`RedisKeys.alive`) and lists the channels where it
 * has connections (`RedisKeys.presenceChannels`); any replica removes the connections of one whose
 * key expired.
 */

/** The presence scripts as commands of an ioredis client. */
export interface PresenceScriptCommands {
  lifelinePresenceSet(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>
  lifelinePresenceMembers(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[version: number, members: string]>
  lifelinePresenceHeartbeat(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>
  lifelinePresenceSweep(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>
}

export function definePresenceScripts<T extends Redis>(redis: T): T & PresenceScriptCommands {
  // The scripts that change or read members begin with the shared functions (summary, announcement).
  redis.defineCommand('lifelinePresenceSet', { lua: `${presenceFunctions}\n${presenceSet}` })
  redis.defineCommand('lifelinePresenceMembers', { lua: `${presenceFunctions}\n${presenceMembers}` })
  redis.defineCommand('lifelinePresenceHeartbeat', { lua: presenceHeartbeat })
  redis.defineCommand('lifelinePresenceSweep', { lua: `${presenceFunctions}\n${presenceSweep}` })
  return redis as T & PresenceScriptCommands
}
