import type { RealtimeClientOptions } from '../../../src/index'

/**
 * Client timings scaled down so a scenario takes seconds, not minutes. The logic under test is the
 * same as with the defaults; only the numbers shrink.
 */
export const FAST: Partial<RealtimeClientOptions> = {
  reconnectDelay: { minMs: 50, maxMs: 500 },
  connectTimeoutMs: 2000,
  minUptimeMs: 500,
  upgradeDelay: { minMs: 200, maxMs: 1000 },
}
