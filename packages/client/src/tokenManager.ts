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
export class TokenManager {
  #token: string | undefined
  #expiresAt: number | undefined
  #inflight: Promise<string> | undefined
  /** The current token was fetched because the previous one was refused. */
  #forced = false
  readonly #getToken: GetToken | undefined
  readonly #now: () => number
  readonly #schedule: (callback: () => void, ms: number) => () => void
  readonly #timeoutMs: number

  constructor(getToken: GetToken | undefined, now: () => number, schedule: (callback: () => void, ms: number) => () => void, timeoutMs: number) {
    this.#getToken = getToken
    this.#now = now
    this.#schedule = schedule
    this.#timeoutMs = timeoutMs
  }

  get current(): string | undefined {
    return this.#token
  }

  /** The cached token while it stays valid for a while, else a new one from `getToken`. */
  get(reason: TokenReason): Promise<string | undefined> {
    const valid = this.#token !== undefined && (this.#expiresAt === undefined || this.#expiresAt - this.#now() > MIN_REMAINING_MS)
    return valid || !this.#getToken ? Promise.resolve(this.#token) : this.fetch(reason)
  }

  /** Always asks `getToken`, sharing one call among concurrent callers. */
  fetch(reason: TokenReason): Promise<string> {
    this.#inflight ??= (async () => {
      let cancel = noop
      try {
        const token = await new Promise<string>((resolve, reject) => {
          // A call that never settles would hold every attempt, and the status `connecting`, forever.
          cancel = this.#schedule(() => reject(new RealtimeError('TIMEOUT')), this.#timeoutMs)
          Promise.resolve()
            .then(() => this.#getToken!({ reason }))
            .then(resolve, reject)
        })
        if (typeof token !== 'string' || !token) throw new TypeError('getToken: not a string')
        // Its lifetime comes from the server's reply (`expiresInMs`), so tokens need not be JWTs.
        this.#token = token
        this.#expiresAt = undefined
        return token
      } catch (error) {
        throw error instanceof UnauthorizedError
          ? new RealtimeError('UNAUTHORIZED', error.message || undefined, { cause: error })
          : new RealtimeError('TOKEN_FAILED', undefined, { cause: error })
      } finally {
        cancel()
        this.#inflight = undefined
      }
    })()
    return this.#inflight
  }

  /**
   * The server accepted the current token and said how long it lives (relative, so clocks need
   * not agree), when it expires at all.
   */
  accepted(expiresInMs: number | undefined): void {
    this.#forced = false
    if (expiresInMs !== undefined) this.#expiresAt = this.#now() + expiresInMs
  }

  /**
   * Whether a refused token can be replaced: not when it was itself fetched after a refusal (asking
   * again would only hammer the token service), nor without a `getToken` to ask.
   */
  get renewable(): boolean {
    return !this.#forced && !!this.#getToken
  }

  /** The server refused the current token: the next one comes from `getToken`. */
  rejected(): void {
    this.#forced = true
    this.#token = undefined
  }
}
