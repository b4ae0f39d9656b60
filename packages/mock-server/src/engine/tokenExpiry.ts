import type { Claims } from './auth'
import type { Clock } from './clock'

/** The timer of one session's token: `onExpired` runs when the token of the last `schedule` expires. */
export interface TokenExpiry {
  /** Replaces the timer with one for `claims`; returns the ms left, or `undefined` for a token without `exp`. */
  schedule(claims: Claims): number | undefined
  stop(): void
}

export function tokenExpiry(clock: Clock, onExpired: () => void): TokenExpiry {
  let timer: unknown
  const stop = () => clock.clearTimeout(timer)
  return {
    schedule(claims) {
      stop()
      if (claims.exp === undefined) return undefined
      const expiresInMs = Math.max(0, claims.exp * 1000 - clock.now())
      timer = clock.setTimeout(onExpired, expiresInMs)
      return expiresInMs
    },
    stop,
  }
}
