import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import { RedisBroker, type RedisBrokerOptions } from '../../../src/redis/redisBroker'

/** What a RedisBroker test file gets from {@link useRedisBrokers}. */
export interface RedisBrokers {
  /** The file's redis-server's URL. */
  readonly url: string
  /** A connection to it for the test's own commands (flush, pause, kill clients). */
  readonly admin: Redis
  /** A broker on that Redis, ready, closed after the test: one replica of a deployment. */
  replica(options?: RedisBrokerOptions): Promise<RedisBroker>
}

/**
 * Call once at the top of a RedisBroker test file: one redis-server for the file, flushed after each
 * test, and every broker `replica()` made closed after it.
 */
export function useRedisBrokers(): RedisBrokers {
  let redis: RedisServer | undefined
  let admin: Redis | undefined
  const brokers: RedisBroker[] = []
  beforeAll(async () => {
    redis = await startRedis()
    admin = new Redis(redis.url)
  })
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()))
    await admin?.flushall()
  })
  afterAll(async () => {
    admin?.disconnect()
    await redis?.kill()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('redis-server is not started yet: use it inside a test, not at the top of the file')
    return value
  }
  return {
    get url() {
      return started(redis).url
    },
    get admin() {
      return started(admin)
    },
    async replica(options = {}) {
      const broker = new RedisBroker({ url: started(redis).url, ...options })
      brokers.push(broker)
      await broker.ready()
      return broker
    },
  }
}
