import type { Clock } from './clock'

/**
 * How many rate-limited commands within {@link FLOOD_WINDOW_MS} turn a flood into a disconnect. A
 * window rather than "in a row": a flooder gets a command through at every bucket refill, and that
 * must not wipe its record.
 */
const FLOOD_REJECTIONS = 1000
const FLOOD_WINDOW_MS = 10_000

/** Counts one session's rate-limited frames: `isFlooding()` is `true` once they reach the flood threshold within the window. */
export class FloodGuard {
  readonly #clock: Clock
  #since = 0
  #rejected = 0

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Counts one more rate-limited frame. */
  isFlooding(): boolean {
    const now = this.#clock.now()
    if (now - this.#since > FLOOD_WINDOW_MS) {
      this.#since = now
      this.#rejected = 0
    }
    this.#rejected += 1
    return this.#rejected >= FLOOD_REJECTIONS
  }
}
