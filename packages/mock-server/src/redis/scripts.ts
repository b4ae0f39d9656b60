import type { Redis } from 'ioredis'
import epochAndClock from '@lifeline/protocol/redis/epoch_and_clock.lua'
import history from '@lifeline/protocol/redis/history.lua'
import publish from '@lifeline/protocol/redis/publish.lua'

/**
 * The channel scripts, run atomically inside Redis. They live once, as `.lua` files in
 * `@lifeline/protocol/redis` (each file's header says what it does and its KEYS / ARGV), because
 * the Django backend runs the same scripts on the same Redis layout. Both begin with the
 * `epoch_and_clock.lua` prologue (the channel's epoch, created when missing, and Redis' clock).
 */

/** The scripts as commands of an ioredis client (EVALSHA, falling back to EVAL once per connection). */
export interface ScriptCommands {
  /** First argument: the number of keys (2, or 3 with an idempotency key). */
  lifelinePublish(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[epoch: string, offset: number, duplicate: number]>
  lifelineHistory(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[epoch: string, offset: number, recovered: number, messages: string[], from: number, times: string[]]>
}

export function defineScripts<T extends Redis>(redis: T): T & ScriptCommands {
  redis.defineCommand('lifelinePublish', { lua: `${epochAndClock}\n${publish}` })
  redis.defineCommand('lifelineHistory', { lua: `${epochAndClock}\n${history}` })
  return redis as T & ScriptCommands
}
