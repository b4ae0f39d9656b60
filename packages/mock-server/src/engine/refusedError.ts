import type { ErrorBody, ErrorCode } from '@lifeline/protocol'

/**
 * A request the server turns down with one of the protocol's error codes: the engine answers it as
 * that code (a reply, an `unsubscribed` frame or an HTTP status), never as `INTERNAL`. A broker
 * throws `new RefusedError('UNAVAILABLE', …)` for what it cannot do without risking loss, so the
 * sender retries (with the same idempotency key) instead of being told it worked.
 *
 * @example
 * if (!connected) throw new RefusedError('UNAVAILABLE', 'Redis is unreachable; retry')
 */
export class RefusedError extends Error {
  override readonly name = 'RefusedError'

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }) }
  }
}

/** `UNAVAILABLE`: the broker cannot take this now without risking loss; the sender retries. */
export const unavailable = (message: string): RefusedError => new RefusedError('UNAVAILABLE', message)
