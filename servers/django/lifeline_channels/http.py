"""ASGI HTTP plumbing shared by the endpoints: headers, bodies, CORS and origin checks."""
import logging

from .answers import error_answer, refused_answer
from .refused import Refused

CORS_HEADERS = [
    (b"access-control-allow-headers", b"authorization, content-type, lifeline-session"),
    (b"access-control-max-age", b"600"),
]


def header(scope, name):
    """One request header as text, or `None` (`name` in lower case)."""
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def origin_allowed(settings, origin):
    """Requests without `Origin` (servers, tests) are allowed; browsers only from the allowlist."""
    return not origin or "*" in settings.allowed_origins or origin in settings.allowed_origins


def cors_headers(settings, origin, methods):
    """The CORS headers of a path taking `methods`, for an allowed browser `origin` (none without one)."""
    if origin and origin_allowed(settings, origin):
        allowed = ", ".join((*methods, "OPTIONS")).encode()
        return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"), (b"access-control-allow-methods", allowed), *CORS_HEADERS]
    return []


async def read_body(receive, limit):
    """The request body, or `None` when it grows past `limit` bytes (the rest is not read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def send_answer(send, answer, extra_headers=()):
    body = answer["text"].encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": answer["status"],
        "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store"), (b"content-length", str(len(body)).encode()), *extra_headers],
    })
    await send({"type": "http.response.body", "body": body})


class Request:
    """One request as an endpoint sees it; `cors` are the headers every answer to it carries."""

    __slots__ = ("scope", "body", "receive", "send", "cors")

    def __init__(self, scope, body, receive, send, cors):
        self.scope, self.body, self.receive, self.send, self.cors = scope, body, receive, send, cors

    def header(self, name):
        return header(self.scope, name)


class HttpEndpoint:
    """Base of the protocol's HTTP endpoints: answers CORS preflights, refuses other origins and
    methods, reads the body (up to twice the frame limit), then calls `handle`."""

    methods = ("POST",)

    async def __call__(self, scope, receive, send):
        from .runtime import get_runtime

        runtime = await get_runtime()
        settings = runtime.settings
        origin = header(scope, "origin")
        cors = cors_headers(settings, origin, self.methods)
        if not origin_allowed(settings, origin):
            await send_answer(send, error_answer("ORIGIN_NOT_ALLOWED", f"Origin {origin} is not allowed"))
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": cors})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["method"] not in self.methods:
            allowed = ", ".join(self.methods)
            answer = error_answer("METHOD_NOT_ALLOWED", f"{scope['path']} takes {allowed}")
            await send_answer(send, answer, [(b"allow", allowed.encode()), *cors])
            return
        body = await read_body(receive, 2 * settings.max_frame_bytes)
        if body is None:
            await send_answer(send, error_answer("FRAME_TOO_LARGE", "Body too large"), cors)
            return
        try:
            answer = await self.handle(runtime, Request(scope, body, receive, send, cors))
        except Refused as refused:
            answer = refused_answer(refused)
        except Exception:
            logging.getLogger("lifeline").exception("%s %s failed", scope["method"], scope["path"])
            answer = error_answer("INTERNAL", "Internal error")
        if answer is not None:
            await send_answer(send, answer, cors)

    async def handle(self, runtime, request):
        """The answer to write, or `None` when the endpoint wrote its own response."""
        raise NotImplementedError
