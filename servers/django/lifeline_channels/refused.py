"""A request turned down with one of the protocol's error codes (a reply, an `unsubscribed` frame
or an HTTP status), never as INTERNAL."""
from .codes import error_body

#: What a client is told to wait before retrying something Redis could not do.
UNAVAILABLE_RETRY_MS = 1000


class Refused(Exception):
    def __init__(self, code, message, retry_after_ms=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_ms = retry_after_ms

    def body(self):
        return error_body(self.code, self.message, self.retry_after_ms)


def unavailable(message):
    """UNAVAILABLE: Redis cannot take this now without risking loss; nothing was done, retry (a
    publish with the same idempotency key)."""
    return Refused("UNAVAILABLE", message, UNAVAILABLE_RETRY_MS)
