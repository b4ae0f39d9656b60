import { unavailable } from '../engine/refusedError'
import type { RedisConnections } from './redisConnections'
import type { RedisKeys } from './keys'

export interface RedisTicketStoreOptions {
  keys: RedisKeys
  commands: RedisConnections['commands']
  log(message: string, error: unknown): void
}

/**
 * Single-use claims and kept values in Redis, shared by every replica: what SSE tickets need so that
 * a ticket issued on one replica is redeemed once, on any. Single use needs Redis: a failed command
 * rejects with `RefusedError('UNAVAILABLE')`, never guesses.
 */
export class RedisTicketStore {
  readonly #options: RedisTicketStoreOptions

  constructor(options: RedisTicketStoreOptions) {
    this.#options = options
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const { keys, commands, log } = this.#options
    try {
      return (await commands.set(keys.claim(key), '1', 'PX', ttlMs, 'NX')) === 'OK'
    } catch (error) {
      log('Redis claim failed', error)
      throw unavailable('Redis did not answer the claim; retry')
    }
  }

  async keep(key: string, value: string, ttlMs: number): Promise<void> {
    const { keys, commands, log } = this.#options
    try {
      await commands.set(keys.kept(key), value, 'PX', ttlMs)
    } catch (error) {
      log('Redis SET failed', error)
      throw unavailable('Redis did not store it; retry')
    }
  }

  async take(key: string): Promise<string | undefined> {
    const { keys, commands, log } = this.#options
    try {
      return (await commands.getdel(keys.kept(key))) ?? undefined
    } catch (error) {
      log('Redis GETDEL failed', error)
      throw unavailable('Redis did not answer; retry')
    }
  }
}
