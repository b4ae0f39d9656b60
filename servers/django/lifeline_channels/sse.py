"""`GET /sse?ticket=…`: the server-to-client stream of an SSE session."""
from urllib.parse import parse_qs

from .answers import error_answer
from .auth import expires_in_ms
from .codes import CloseCode
from .http import HttpEndpoint
from .session import Session
from .writer import Outbox

#: `retry:` that keeps an EventSource from reconnecting on its own with a spent ticket.
SSE_NO_RETRY_MS = 86_400_000


class SseLink:
    """Frames as SSE events (`id: <epoch>:<offset>:<channel>` on channel messages), heartbeat comments."""

    transport = "sse"

    def __init__(self, send):
        async def write(chunks):
            await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})

        async def finish():
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        self._outbox = Outbox(write, finish)

    def send(self, text, sse_id):
        self._outbox.put((f"id: {sse_id}\ndata: {text}\n\n" if sse_id else f"data: {text}\n\n").encode("utf-8"))
        return True

    def keepalive(self):
        self._outbox.put(b": hb\n\n")

    def close(self, code, reason):
        # A slow consumer is cut at once: a polite end would queue behind the very backlog.
        self._outbox.close(cut=code == CloseCode.SLOW_CONSUMER)

    def stop(self):
        self._outbox.stop()


class SseStream(HttpEndpoint):
    methods = ("GET",)

    async def handle(self, runtime, request):
        ticket = parse_qs(request.scope.get("query_string", b"").decode("latin-1")).get("ticket", [None])[0]
        grant = await runtime.broker.redeem_ticket(ticket)
        if grant is None:
            return error_answer("BAD_TICKET", "Ticket is unknown, used or expired; request a new one")
        if expires_in_ms(grant["claims"]) <= 0:
            return error_answer("TOKEN_EXPIRED", "The token behind this ticket has expired")
        await request.send({
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream"),
                (b"cache-control", b"no-cache, no-transform"),
                # nginx: do not buffer this response.
                (b"x-accel-buffering", b"no"),
                *request.cors,
            ],
        })
        await request.send({"type": "http.response.body", "body": f"retry: {SSE_NO_RETRY_MS}\n\n".encode(), "more_body": True})
        link = SseLink(request.send)
        session = Session(runtime, link)
        runtime.track(session, request.scope)
        try:
            await session.establish(grant["claims"], grant["connectId"])
            # The stream lasts until the client leaves or the session ends it (daphne then reports
            # the finished response as a disconnect too).
            while (await request.receive())["type"] != "http.disconnect":
                pass
        finally:
            session.closed()
            link.stop()
        return None
