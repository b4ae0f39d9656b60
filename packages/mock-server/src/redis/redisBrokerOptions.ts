import type { RedisOptions } from 'ioredis'
import type { HistoryOptions } from '../engine/historyOptions'
import { stripUndefined } from '../engine/stripUndefined'

export interface RedisBrokerOptions extends HistoryOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` URL.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string
  /** More ioredis options (TLS, credentials, `family`…), applied over the broker's own. */
  redisOptions?: RedisOptions
  /**
   * Prefix of every key and pub/sub channel; deployments sharing one Redis need different ones.
   * @default 'lifeline:'
   */
  keyPrefix?: string
  /**
   * How long an upstream command waits for the replica holding the session (then `503`); a long
   * poll routed there waits its hold (`pollMs`) plus this.
   * @default 2000
   */
  routeTimeoutMs?: number
  /**
   * A Redis command that takes longer fails (the publish is answered `UNAVAILABLE`, the client
   * retries with the same idempotency key).
   * @default 2000
   */
  commandTimeoutMs?: number
  /**
   * Longest pause between reconnect attempts (exponential backoff with jitter up to it).
   * @default 2000
   */
  reconnectMaxDelayMs?: number
  /**
   * Lifetime of a replica's liveness key for presence, renewed every third of it. When a replica
   * dies, its connections leave presence within this plus a third of it (about 13.3 s by default),
   * announced by another replica. At least {@link MIN_PRESENCE_TTL_MS} (a `TypeError` otherwise).
   * @default 10_000
   */
  presenceTtlMs?: number
  /** Receives Redis errors and failures. @default console.error */
  log?: (message: string, error: unknown) => void
}

/** The defaults of the options that are not history options. */
export const REDIS_BROKER_DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'lifeline:',
  routeTimeoutMs: 2000,
  commandTimeoutMs: 2000,
  reconnectMaxDelayMs: 2000,
  presenceTtlMs: 10_000,
}

/**
 * The shortest `presenceTtlMs`. The liveness key is renewed every third of it, each time with a
 * heartbeat and a sweep of the other replicas' keys in Redis: 1000 ms renews about three times a
 * second; 1 ms would run them back to back, a tight loop on Redis.
 */
export const MIN_PRESENCE_TTL_MS = 1000

/** The history options among `options`, without the ones left `undefined`. */
export function pickHistory(options: Partial<RedisBrokerOptions>): Partial<HistoryOptions> {
  const { historySize, historyTtlMs, idempotencyWindowMs } = options
  return stripUndefined({ historySize, historyTtlMs, idempotencyWindowMs })
}
