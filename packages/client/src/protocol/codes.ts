/**
 * Error codes (strings, in replies and error frames) and close codes (numbers, on disconnect),
 * defined once for client and server.
 * @see ../../../../docs/protocol.md#error-codes
 */

/** Every error code the server can put in a reply or an error frame. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'FRAME_TOO_LARGE',
  'NOT_CONNECTED',
  'ALREADY_CONNECTED',
  'UNSUPPORTED_VERSION',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'ORIGIN_NOT_ALLOWED',
  'RATE_LIMITED',
  'TOO_MANY_SUBSCRIPTIONS',
  'ALREADY_SUBSCRIBED',
  'NOT_SUBSCRIBED',
  'SESSION_NOT_FOUND',
  'BAD_TICKET',
  'INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** Close codes sent in `disconnect` frames and as WebSocket close codes. */
export const CloseCode = {
  /** Client or server closed on purpose; nothing to do. */
  NORMAL: 1000,
  /** 4000–4099: reconnect with backoff. */
  SERVER_ERROR: 4000,
  SLOW_CONSUMER: 4001,
  RATE_LIMITED: 4002,
  CONNECT_TIMEOUT: 4003,
  HEARTBEAT_TIMEOUT: 4004,
  /** 4100–4199: reconnect now, spread over `retryAfterMs` (server restart, rebalancing). */
  SHUTDOWN: 4100,
  RECONNECT: 4101,
  /** 4200–4299: refresh the token, then reconnect. */
  TOKEN_EXPIRED: 4200,
  UNAUTHORIZED: 4201,
  /** 4300–4399: stop; reconnecting would fail the same way. */
  FORBIDDEN: 4300,
  BAD_PROTOCOL: 4301,
  ORIGIN_NOT_ALLOWED: 4302,
} as const

export type CloseAction = 'none' | 'backoff' | 'reconnect-now' | 'refresh' | 'stop'

/** What a client must do after a close with `code`. Unknown codes, 1001, 1006 and the like back off. */
export function closeAction(code: number): CloseAction {
  if (code === 1000) return 'none'
  if (code >= 4100 && code < 4200) return 'reconnect-now'
  if (code >= 4200 && code < 4300) return 'refresh'
  if (code >= 4300 && code < 4400) return 'stop'
  return 'backoff'
}
