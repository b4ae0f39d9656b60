import { RealtimeError, UnauthorizedError } from './errors'
import { noop } from './timers'

/** Why the client asks for a token. */
export type TokenReason = 'connect' | 'refresh' | 'rejected'

export type GetToken = (context: { reason: TokenReason }) => string | Promise<string>

/** A cached token is reused only while it has at least this long to live. */
const MIN_REMAINING_MS = 2000

/**
 * Single-flight, cached access to the app's `getToken`: concurrent callers share one call, a call
 * that does not settle within `timeoutMs` fails (and the next caller starts a new one), and a
 * second rejection in a row (a freshly forced token refused too) is terminal.
 */
export interface TokenManager {
  readonly current: string | undefined
  /** The cached token while it stays valid for a while, else a new one from `getToken`. */
  get(reason: TokenReason): Promise<string | undefined>
  /** Always calls `getToken` (single-flight), with the `RealtimeError` codes `UNAUTHORIZED` or `TOKEN_FAILED` on failure. */
  fetch(reason: TokenReason): Promise<string>
  /**
   * The server accepted the current token and said how long it lives (relative, so clocks need
   * not agree), when it expires at all.
   */
  accepted(expiresInMs: number | undefined): void
  /**
   * Whether a refused token can be replaced: not when it was itself fetched after a refusal (asking
   * again would only hammer the token service), nor without a `getToken` to ask.
   */
  readonly renewable: boolean
  /** The server refused the current token: the next one comes from `getToken`. */
  rejected(): void
  /**
   * The client stopped: a call still under way loses its time limit (no timer outlives the stop)
   * and is no longer shared, so the next `connect()` asks `getToken` afresh.
   */
  abandon(): void
}

// A closure rather than a class: the same state, fewer bytes in the bundle than private fields.
export function tokenManager(getToken: GetToken | undefined, now: () => number, schedule: (callback: () => void, ms: number) => () => void, timeoutMs: number): TokenManager {
  let token: string | undefined
  let expiresAt: number | undefined
  let inflight: Promise<string> | undefined
  /** The current token was fetched because the previous one was refused. */
  let forced = false
  /** Counts calls, so an abandoned one that settles late leaves the newer one alone. */
  let calls = 0
  /** Ends the time limit of the call under way. */
  let cancel = noop
  const manager: TokenManager = {
    get current() {
      return token
    },
    get: (reason) => (token !== undefined && (expiresAt === undefined || expiresAt - now() > MIN_REMAINING_MS)) || !getToken ? Promise.resolve(token) : manager.fetch(reason),
    fetch: (reason) =>
      (inflight ??= (async () => {
        const call = ++calls
        try {
          const fresh = await new Promise<string>((resolve, reject) => {
            // A call that never settles would hold every attempt, and the status `connecting`, forever.
            cancel = schedule(() => reject(new RealtimeError('TIMEOUT')), timeoutMs)
            // Called on a microtask, so a getToken that throws synchronously rejects like an async one.
            Promise.resolve()
              .then(() => getToken!({ reason }))
              .then(resolve, reject)
          })
          if (typeof fresh !== 'string' || !fresh) throw new TypeError('getToken: not a string')
          // Its lifetime comes from the server's reply (`expiresInMs`), so tokens need not be JWTs.
          // An abandoned call that settles late does not replace the token of a newer one.
          if (call === calls) {
            token = fresh
            expiresAt = undefined
          }
          return fresh
        } catch (error) {
          throw error instanceof UnauthorizedError
            ? new RealtimeError('UNAUTHORIZED', error.message || undefined, { cause: error })
            : new RealtimeError('TOKEN_FAILED', undefined, { cause: error })
        } finally {
          if (call === calls) manager.abandon()
        }
      })()),
    accepted(expiresInMs) {
      forced = false
      if (expiresInMs !== undefined) expiresAt = now() + expiresInMs
    },
    get renewable() {
      return !forced && !!getToken
    },
    rejected() {
      forced = true
      token = undefined
    },
    abandon() {
      calls += 1
      cancel()
      inflight = undefined
    },
  }
  return manager
}
