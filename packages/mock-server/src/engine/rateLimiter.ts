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
 * command would be allowed again (the `retryAfterMs` advice). A class, so an idle connection holds
 * two numbers and not a closure and its context.
 */
export class RateLimiter {
  readonly #limit: RateLimit
  readonly #clock: Clock
  #tokens: number
  #last: number

  constructor(limit: RateLimit, clock: Clock) {
    this.#limit = limit
    this.#clock = clock
    this.#tokens = limit.burst
    this.#last = clock.now()
  }

  take(): number {
    const { perSecond, burst } = this.#limit
    const now = this.#clock.now()
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#last) * perSecond) / 1000)
    this.#last = now
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / perSecond)
  }
}
