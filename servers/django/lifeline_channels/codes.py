"""Error codes and close codes of protocol v1, and the HTTP status of each error code, in one table."""

#: Every error code a reply, an error frame or an HTTP error body may carry, with its HTTP status.
HTTP_STATUS = {
    "BAD_REQUEST": 400,
    "UNKNOWN_COMMAND": 400,
    "FRAME_TOO_LARGE": 413,
    "NOT_CONNECTED": 400,
    "ALREADY_CONNECTED": 400,
    "UNSUPPORTED_VERSION": 400,
    "UNAUTHORIZED": 401,
    "TOKEN_EXPIRED": 401,
    "FORBIDDEN": 403,
    "ORIGIN_NOT_ALLOWED": 403,
    "RATE_LIMITED": 429,
    "TOO_MANY_SUBSCRIPTIONS": 400,
    "ALREADY_SUBSCRIBED": 409,
    "NOT_SUBSCRIBED": 409,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "SESSION_NOT_FOUND": 404,
    "BAD_TICKET": 401,
    "UNAVAILABLE": 503,
    "INTERNAL": 500,
}

PROTOCOL_VERSION = 1


class CloseCode:
    """Close codes, sent in `disconnect` frames and as WebSocket close codes."""

    NORMAL = 1000
    # 4000-4099: reconnect with backoff.
    SERVER_ERROR = 4000
    SLOW_CONSUMER = 4001
    RATE_LIMITED = 4002
    CONNECT_TIMEOUT = 4003
    HEARTBEAT_TIMEOUT = 4004
    # 4100-4199: reconnect now, spread over retryAfterMs.
    SHUTDOWN = 4100
    RECONNECT = 4101
    # 4200-4299: refresh the token, then reconnect.
    TOKEN_EXPIRED = 4200
    UNAUTHORIZED = 4201
    # 4300-4399: stop.
    FORBIDDEN = 4300
    BAD_PROTOCOL = 4301
    ORIGIN_NOT_ALLOWED = 4302


def error_body(code, message, retry_after_ms=None):
    """`{code, message, retryAfterMs?}` as the protocol spells it."""
    body = {"code": code, "message": message}
    if retry_after_ms is not None:
        body["retryAfterMs"] = int(retry_after_ms)
    return body
