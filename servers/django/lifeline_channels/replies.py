"""A command's outcome before it becomes a `reply` frame: `{"ok": True, "result"}` or
`{"ok": False, "error"}`."""
from .codes import error_body


def ok(result):
    return {"ok": True, "result": result}


def fail(code, message, retry_after_ms=None):
    return {"ok": False, "error": error_body(code, message, retry_after_ms)}


async def resolved(value):
    """`value` as an awaitable, for an answer known at once where a coroutine is expected."""
    return value
