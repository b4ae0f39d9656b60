"""HTTP answers as plain dicts `{status, text}`: what the endpoints write, and what a routed request
brings back from the process that holds a session."""
from .codes import HTTP_STATUS, error_body
from .jsontext import dumps


def answer(status, body):
    return {"status": status, "text": dumps(body)}


def error_answer(code, message, retry_after_ms=None, status=None):
    return answer(status or HTTP_STATUS.get(code, 400), {"error": error_body(code, message, retry_after_ms)})


def verdict_answer(verdict):
    """A session's verdict on an upstream command: `202 {}` once accepted."""
    if verdict["accepted"]:
        return answer(202, {})
    return answer(verdict["status"], {"error": verdict["error"]})


SESSION_NOT_FOUND = error_answer("SESSION_NOT_FOUND", "No live session with this id")


def refused_answer(refused):
    """The HTTP answer of a `Refused` (its code's status)."""
    return error_answer(refused.code, refused.message, refused.retry_after_ms)
