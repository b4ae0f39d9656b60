import { describe, expect, it } from 'vitest'
import { RedisBroker } from '../redis/redisBroker'
import type { RedisBrokerOptions } from '../redis/redisBrokerOptions'

/**
 * Builds a broker that opens no socket (`lazyConnect`: ioredis connects at the first command) and
 * closes it at once, so a check that lets a value through leaves nothing running.
 */
function construct(options: RedisBrokerOptions): void {
  const broker = new RedisBroker({ url: 'redis://127.0.0.1:6379', redisOptions: { lazyConnect: true }, log: () => {}, ...options })
  void broker.close()
}

describe('RedisBroker presenceTtlMs', () => {
  it('refuses a liveness lifetime below 1000 ms, which would renew it in a tight loop, naming the option', () => {
    for (const presenceTtlMs of [1, 2, 3, 999]) {
      expect(() => construct({ presenceTtlMs }), String(presenceTtlMs)).toThrow(TypeError)
      expect(() => construct({ presenceTtlMs }), String(presenceTtlMs)).toThrow(`RedisBroker option "presenceTtlMs" must be at least 1000 (ms), got ${presenceTtlMs}`)
    }
  })

  it('still refuses what is not a positive integer with the same message as the other options', () => {
    expect(() => construct({ presenceTtlMs: 0 })).toThrow('RedisBroker option "presenceTtlMs" must be a positive integer, got 0')
    expect(() => construct({ presenceTtlMs: 1500.5 })).toThrow('RedisBroker option "presenceTtlMs" must be a positive integer, got 1500.5')
  })

  it('takes 1000 ms and more', () => {
    for (const presenceTtlMs of [1000, 10_000]) expect(() => construct({ presenceTtlMs }), String(presenceTtlMs)).not.toThrow()
  })
})
