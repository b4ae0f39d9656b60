import type { Claims } from './auth'
import type { Clock } from './clock'

/**
 * The timer of one session's token: `session.expireToken()` runs when the token of the last
 * `schedule` expires. A class, so a session holds one small object rather than closures for it.
 */
export class TokenExpiry {
  readonly #clock: Clock
  readonly #session: { expireToken(): void }
  #timer: unknown

  constructor(clock: Clock, session: { expireToken(): void }) {
    this.#clock = clock
    this.#session = session
  }

  /** Replaces the timer with one for `claims`; returns the ms left, or `undefined` for a token without `exp`. */
  schedule(claims: Claims): number | undefined {
    this.stop()
    if (claims.exp === undefined) return undefined
    const expiresInMs = Math.max(0, claims.exp * 1000 - this.#clock.now())
    this.#timer = this.#clock.setTimeout(() => this.#session.expireToken(), expiresInMs)
    return expiresInMs
  }

  stop(): void {
    if (this.#timer === undefined) return
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
