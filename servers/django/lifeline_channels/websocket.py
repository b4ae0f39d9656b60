"""`/ws`: the WebSocket transport, one JSON text frame per protocol frame."""
import asyncio

from .codes import CloseCode
from .http import header, origin_allowed
from .session import Session
from .writer import Outbox

#: Between the last frame and the close frame (see `finish`).
CLOSE_PAUSE_S = 0.05

#: What a binary frame becomes for the session: the protocol is JSON text, so it is malformed.
BINARY_FRAME = "\u0000binary"


class WebSocketLink:
    transport = "websocket"

    def __init__(self, send):
        async def write(texts):
            for text in texts:
                await send({"type": "websocket.send", "text": text})

        self._close_code = CloseCode.NORMAL

        async def finish():
            # daphne's WebSocket layer aborts a connection whose closing handshake the client has
            # not answered on a timer that txaio rounds down to the whole second, so the abort (a
            # reset, which discards what is still buffered) can come milliseconds after the close
            # frame. A pause first lets the frames before it, the disconnect advice above all, go out.
            await asyncio.sleep(CLOSE_PAUSE_S)
            await send({"type": "websocket.close", "code": self._close_code})

        self._outbox = Outbox(write, finish)

    def send(self, text, sse_id):
        self._outbox.put(text)
        return True

    def keepalive(self):
        # daphne sends WebSocket-level pings on its own, and like the session only after
        # --ping-interval without a frame from the client.
        pass

    def close(self, code, reason):
        self._close_code = code
        self._outbox.close(cut=code == CloseCode.SLOW_CONSUMER)

    def stop(self):
        self._outbox.stop()


class WebSocketConsumer:
    """An ASGI application for the `websocket` scope (route it at `/ws`)."""

    async def __call__(self, scope, receive, send):
        from .runtime import get_runtime

        message = await receive()
        if message["type"] != "websocket.connect":
            return
        runtime = await get_runtime()
        if not origin_allowed(runtime.settings, header(scope, "origin")):
            runtime.metrics.error("ORIGIN_NOT_ALLOWED")
            await send({"type": "websocket.close", "code": CloseCode.ORIGIN_NOT_ALLOWED})  # before accept: HTTP 403
            return
        await send({"type": "websocket.accept"})
        link = WebSocketLink(send)
        session = Session(runtime, link)
        runtime.track(session, scope)
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] == "websocket.receive":
                    text = message.get("text")
                    session.receive(text if text is not None else BINARY_FRAME)
        finally:
            session.closed()
            link.stop()
