import { ERRORS, type ErrorCode } from '@lifeline/protocol'

/** Failures detected by the client itself, next to the server's {@link ErrorCode}s. */
export type ClientErrorCode =
  /** The connection dropped (network, server gone, heartbeat missed). */
  | 'TRANSPORT_CLOSED'
  /** A transport did not complete the connect handshake within `connectTimeoutMs`. */
  | 'CONNECT_TIMEOUT'
  /** A transport failed before the connect reply (stream rejected, constructor threw). */
  | 'CONNECT_FAILED'
  /** The WebSocket upgrade failed (a proxy refused it, or closed the socket before the connect reply); the client fell back. */
  | 'UPGRADE_REFUSED'
  /** The WebSocket did not answer the connect handshake within `connectTimeoutMs` (a proxy accepted the upgrade and passes nothing). */
  | 'WEBSOCKET_SILENT'
  /** WebSocket connections kept dying right after the handshake (`maxFlaps` in a row within `minUptimeMs`). */
  | 'WEBSOCKET_UNSTABLE'
  /** The SSE ticket was granted but no event came through within `connectTimeoutMs`: a proxy buffers the stream. */
  | 'SSE_BUFFERED'
  /** Every transport failed without an answer from the server: it is down, or the network is. */
  | 'SERVER_UNREACHABLE'
  /** The server sent something that is not a protocol v1 frame. */
  | 'PROTOCOL_ERROR'
  /** `ready(timeoutMs)` did not see the client connected in time (also the `cause` of a `getToken` that did not settle). */
  | 'TIMEOUT'
  /** The offline publish queue is full (`queueSize`). */
  | 'QUEUE_FULL'
  /** A publish was not acknowledged within `queueTtlMs`. */
  | 'QUEUE_EXPIRED'
  /** `disconnect()` was called while this was pending. */
  | 'CLIENT_CLOSED'
  /** `getToken` failed with an error other than {@link UnauthorizedError}, or did not settle within `connectTimeoutMs`; retried with backoff. */
  | 'TOKEN_FAILED'
  /** `maxReconnectAttempts` was reached. */
  | 'MAX_ATTEMPTS'

export type RealtimeErrorCode = ErrorCode | ClientErrorCode

/**
 * What the client found out about the network between it and the server: why it is not on the
 * first of its `transports`, or why it cannot connect at all. In the snapshot (`diagnosis`) and,
 * when found, as an `error` event.
 */
export type Diagnosis = Extract<ClientErrorCode, 'UPGRADE_REFUSED' | 'WEBSOCKET_SILENT' | 'WEBSOCKET_UNSTABLE' | 'SSE_BUFFERED' | 'SERVER_UNREACHABLE'>

const DIAGNOSES: RealtimeErrorCode[] = ['UPGRADE_REFUSED', 'WEBSOCKET_SILENT', 'WEBSOCKET_UNSTABLE', 'SSE_BUFFERED', 'SERVER_UNREACHABLE']

/** Whether `code` names something about the network the client tells the app about. */
export const isDiagnosis = (code: RealtimeErrorCode): code is Diagnosis => DIAGNOSES.includes(code)

/** The client's own codes that no later attempt can fix; the server's codes say so in the protocol's table. */
const FINAL_CLIENT_CODES: RealtimeErrorCode[] = ['QUEUE_FULL', 'QUEUE_EXPIRED', 'CLIENT_CLOSED', 'MAX_ATTEMPTS']

const isRetryable = (code: RealtimeErrorCode) => (code in ERRORS ? ERRORS[code as ErrorCode].retryable : !FINAL_CLIENT_CODES.includes(code))

/**
 * The one error type of Lifeline: `code` says what failed, `retryable` whether trying again later
 * can succeed. Match on `code`, never on `message`.
 * @example
 * channel.publish('card_moved', move).catch((error: RealtimeError) => {
 *   if (error.code === 'FORBIDDEN') showReadOnlyBanner()
 * })
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/errors.md
 */
export class RealtimeError extends Error {
  override readonly name = 'RealtimeError'
  readonly retryable: boolean
  /** Server advice: wait at least this long before retrying. */
  readonly retryAfterMs: number | undefined
  constructor(
    readonly code: RealtimeErrorCode,
    /** What happened, for people; code decides. Defaults to the code itself. */
    message: string = code,
    { cause, retryAfterMs }: { cause?: unknown; retryAfterMs?: number | undefined } = {},
  ) {
    super(message, { cause })
    this.retryable = isRetryable(code)
    this.retryAfterMs = retryAfterMs
  }
}

/**
 * Throw this from `getToken` when the user is signed out: the client stops with `UNAUTHORIZED`
 * instead of retrying. Any other error from `getToken` is retried with backoff.
 * @example
 * getToken: async () => {
 *   const response = await fetch('/api/realtime-token')
 *   if (response.status === 401) throw new UnauthorizedError()
 *   return response.text()
 * }
 */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError'
}
