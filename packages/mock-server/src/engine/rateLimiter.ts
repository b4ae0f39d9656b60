import type { Clock } from './clock'

export interface RateLimit {
  /** Commands per second, sustained. @default 100 */
  perSecond: number
  /** Commands allowed at once before the sustained rate applies. @default 200 */
  burst: number
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 100, burst: 200 }

/**
 * A token bucket per connection. `take()` answers 0 when allowed, or how many milliseconds until a
 * command would be allowed again (the `retryAfterMs` advice).
 */
export function rateLimiter({ perSecond, burst }: RateLimit, clock: Clock): { take(): number } {
  let tokens = burst
  let last = clock.now()
  return {
    take() {
      const now = clock.now()
      tokens = Math.min(burst, tokens + ((now - last) * perSecond) / 1000)
      last = now
      if (tokens >= 1) {
        tokens -= 1
        return 0
      }
      return Math.ceil(((1 - tokens) * 1000) / perSecond)
    },
  }
}
