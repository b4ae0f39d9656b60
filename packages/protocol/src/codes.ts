/**
 * Every error code and close code of protocol v1, with what each means for a server (HTTP status)
 * and for a client (retryable, what to do). Everything else reads these two tables.
 */

/**
 * What a client does after a failure:
 * - `none`: nothing, closed on purpose;
 * - `backoff`: reconnect (or retry) with jittered backoff;
 * - `reconnect-now`: reconnect at once, at a random point within `retryAfterMs`;
 * - `refresh`: get a new token, then reconnect; a rejection right after a fresh token is terminal;
 * - `stop`: give up, trying again would fail the same way;
 * - `report`: a bug in the caller (malformed command); surface it and do not repeat it.
 */
export type ClientAction = 'none' | 'backoff' | 'reconnect-now' | 'refresh' | 'stop' | 'report'

interface ErrorInfo {
  /** HTTP status when the error answers an HTTP request. */
  readonly status: number
  /** Whether the same request can succeed later. */
  readonly retryable: boolean
  readonly action: ClientAction
}

const info = (status: number, retryable: boolean, action: ClientAction): ErrorInfo => ({ status, retryable, action })

/** Error codes, in replies, `error` frames, `unsubscribed` frames and HTTP error bodies. */
export const ERRORS = {
  /** Malformed JSON, invalid fields, or a payload too deep or not encodable. */
  BAD_REQUEST: info(400, false, 'report'),
  /** `type` is not a command of v1. */
  UNKNOWN_COMMAND: info(400, false, 'report'),
  /** Frame or body over the size limit. */
  FRAME_TOO_LARGE: info(413, false, 'report'),
  /** No route for this path. */
  NOT_FOUND: info(404, false, 'report'),
  /** The path exists, the method does not (the `allow` header lists the right ones). */
  METHOD_NOT_ALLOWED: info(405, false, 'report'),
  /** A command before `connect`. */
  NOT_CONNECTED: info(400, false, 'stop'),
  /** A second `connect` on one connection. */
  ALREADY_CONNECTED: info(400, false, 'report'),
  /** `v` is not a version this server speaks. */
  UNSUPPORTED_VERSION: info(400, false, 'stop'),
  /** Missing, malformed or forged token. */
  UNAUTHORIZED: info(401, false, 'refresh'),
  /** Token past `exp`. */
  TOKEN_EXPIRED: info(401, true, 'refresh'),
  /** Not allowed for these claims (channel, session of another user). */
  FORBIDDEN: info(403, false, 'stop'),
  /** Browser origin outside the allowlist. */
  ORIGIN_NOT_ALLOWED: info(403, false, 'stop'),
  /** Over the command rate or the connection cap; wait `retryAfterMs`. */
  RATE_LIMITED: info(429, true, 'backoff'),
  /** Over the subscription limit. */
  TOO_MANY_SUBSCRIPTIONS: info(400, false, 'report'),
  /** Subscribed twice to one channel on one connection. */
  ALREADY_SUBSCRIBED: info(409, false, 'report'),
  /** Unsubscribe from a channel not subscribed. */
  NOT_SUBSCRIBED: info(409, false, 'report'),
  /** Upstream or poll for a session that is gone: reconnect. */
  SESSION_NOT_FOUND: info(404, true, 'backoff'),
  /** SSE ticket used, unknown or expired: mint a new one. */
  BAD_TICKET: info(401, true, 'backoff'),
  /** The server cannot take this now without risking loss (broker not ready or degraded): retry. */
  UNAVAILABLE: info(503, true, 'backoff'),
  /** Server fault. */
  INTERNAL: info(500, true, 'backoff'),
} as const satisfies Record<string, ErrorInfo>

export type ErrorCode = keyof typeof ERRORS

/** Every error code, in table order. */
export const ERROR_CODES = /* @__PURE__ */ Object.keys(ERRORS) as ErrorCode[]

interface CloseInfo {
  readonly name: string
  readonly action: ClientAction
  /** The error a client reports for this close, when it is more precise than "the transport closed". */
  readonly error?: ErrorCode
}

/**
 * Close codes, in `disconnect` frames and as WebSocket close codes, by name. The thousands and
 * hundreds say what to do: 4000–4099 back off, 4100–4199 reconnect now, 4200–4299 refresh the
 * token, 4300–4399 stop. An unknown code inside a range is treated as its range; any other code
 * backs off, but 1000 (closed on purpose), after which nothing is done.
 */
const CLOSE_NAMES = {
  1000: 'NORMAL',
  4000: 'SERVER_ERROR',
  4001: 'SLOW_CONSUMER',
  4002: 'RATE_LIMITED',
  4003: 'CONNECT_TIMEOUT',
  4004: 'HEARTBEAT_TIMEOUT',
  4100: 'SHUTDOWN',
  4101: 'RECONNECT',
  4200: 'TOKEN_EXPIRED',
  4201: 'UNAUTHORIZED',
  4300: 'FORBIDDEN',
  4301: 'BAD_PROTOCOL',
  4302: 'ORIGIN_NOT_ALLOWED',
} as const

/** The error a client reports for a close, when it is more precise than "the transport closed". */
const CLOSE_ERRORS: Partial<Record<number, ErrorCode>> = {
  4002: 'RATE_LIMITED',
  4200: 'TOKEN_EXPIRED',
  4201: 'UNAUTHORIZED',
  4300: 'FORBIDDEN',
  4301: 'UNSUPPORTED_VERSION',
  4302: 'ORIGIN_NOT_ALLOWED',
}

const RANGE_ACTIONS: ClientAction[] = ['backoff', 'reconnect-now', 'refresh', 'stop']

/**
 * What a client does after a close with `code` (unknown codes: by range, else back off).
 * @note Reads the range rule and the errors only, not the names: a client bundle leaves the names out.
 */
export function closeInfo(code: number): Omit<CloseInfo, 'name'> {
  const range = code >= 4000 && code < 4400 ? Math.floor((code - 4000) / 100) : 0
  const action = code === 1000 ? 'none' : RANGE_ACTIONS[range]!
  const error = CLOSE_ERRORS[code]
  return error ? { action, error } : { action }
}

/** Every close code of protocol v1 with its name, action and reported error. */
// Built in one pure call, so builds that never read it (the client) drop the names.
export const CLOSES = /* @__PURE__ */ (() =>
  Object.fromEntries(Object.entries(CLOSE_NAMES).map(([code, name]) => [code, { name, ...closeInfo(Number(code)) }])))() as {
  readonly [K in keyof typeof CLOSE_NAMES]: CloseInfo & { readonly name: (typeof CLOSE_NAMES)[K] }
}

/** Close codes by name, for servers: `CloseCode.SHUTDOWN === 4100`. */
// The whole computation in one pure call: with only the outer call marked, bundlers keep the
// `Object.entries(...).map(...)` argument, and the table with it, in builds that never read CloseCode.
export const CloseCode = /* @__PURE__ */ (() => Object.fromEntries(Object.entries(CLOSE_NAMES).map(([code, name]) => [name, Number(code)])))() as {
  readonly [K in keyof typeof CLOSE_NAMES as (typeof CLOSE_NAMES)[K]]: K
}
