import type { Clock } from './clock'

/** A session as the token timers see it. */
export interface ExpiringSession {
  expireToken(): void
}

/**
 * The token timers of an engine: `session.expireToken()` runs when its token expires. Sessions
 * whose tokens expire in the same second (a JWT's `exp` counts seconds) share one timer: a timer
 * per session cost every idle connection a `Timeout`, a closure and, as each waited a different
 * number of milliseconds, one of Node's timer lists.
 */
export class TokenExpiry {
  readonly #clock: Clock
  readonly #log: ((message: string, error: unknown) => void) | undefined
  /** The sessions whose token expires at each `exp`, with that `exp`'s timer. */
  readonly #groups = new Map<number, { timer: unknown; sessions: Set<ExpiringSession> }>()

  constructor(clock: Clock, log?: (message: string, error: unknown) => void) {
    this.#clock = clock
    this.#log = log
  }

  /**
   * `session`'s token expires at `exp` (seconds), instead of at `previous` (its last schedule).
   * Returns the ms left, or `undefined` for a token without `exp` (no timer).
   */
  schedule(session: ExpiringSession, exp: number | undefined, previous: number | undefined): number | undefined {
    this.cancel(session, previous)
    if (exp === undefined) return undefined
    const expiresInMs = Math.max(0, exp * 1000 - this.#clock.now())
    let group = this.#groups.get(exp)
    if (!group) {
      group = { timer: this.#clock.setTimeout(() => this.#expire(exp), expiresInMs), sessions: new Set() }
      this.#groups.set(exp, group)
    }
    group.sessions.add(session)
    return expiresInMs
  }

  /** `session`'s token timer (at `exp`) is not needed any more. */
  cancel(session: ExpiringSession, exp: number | undefined): void {
    const group = exp === undefined ? undefined : this.#groups.get(exp)
    if (!group?.sessions.delete(session) || group.sessions.size > 0) return
    this.#clock.clearTimeout(group.timer)
    this.#groups.delete(exp!)
  }

  #expire(exp: number): void {
    const group = this.#groups.get(exp)
    this.#groups.delete(exp)
    // Each expiry closes its session, which cancels it here: the group is gone by then.
    for (const session of [...(group?.sessions ?? [])]) {
      try {
        session.expireToken()
      } catch (error) {
        // The group's timer is gone: a throw (an outlet of the host's) would leave the rest unexpired.
        this.#log?.('token expiry failed', error)
      }
    }
  }
}
