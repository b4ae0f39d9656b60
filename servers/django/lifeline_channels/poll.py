"""Long-polling: `POST /poll/connect` opens a session, `POST /poll` fetches its frames.

Frames are numbered per session from 1. A poll carries `ack` (the last seq received): the session
forgets frames up to it and answers at once with every later frame, or holds the request up to
`POLL_MS` until one arrives. A lost response is re-sent by the next poll with the same ack, a newer
poll answers a held older one with an empty batch, and any process accepts any poll (routed to the
holder through Redis). Every response is complete, so buffering proxies pass it.
"""
import asyncio
import collections

from .answers import SESSION_NOT_FOUND, error_answer, verdict_answer
from .codes import CloseCode
from .endpoints import ConnectEndpoint, SessionEndpoint
from .frames import safe_int
from .jsontext import loads
from .replies import resolved
from .session import Session

#: A response carries at most this much of the backlog; the rest follows on the next poll.
MAX_BATCH_BYTES = 1_048_576


def _batch(seq, texts):
    return {"status": 200, "text": '{"seq":' + str(seq) + ',"frames":[' + ",".join(texts) + "]}"}


class PollLink:
    transport = "poll"

    def __init__(self, runtime):
        self._runtime = runtime
        settings = runtime.settings
        self._limit = settings.max_queued_bytes
        self._poll_s = settings.poll_ms / 1000
        self._idle_s = (settings.heartbeat_ms + settings.poll_ms) / 1000
        self._frames = collections.deque()  # (seq, text)
        self._queued_bytes = 0
        self._last_seq = 0
        self._acked = 0
        self._held = None  # future of the poll being held
        self._wake_pending = False
        self.closed = False
        self.session = None
        self._loop = asyncio.get_running_loop()
        self._idle = self._loop.call_later(self._idle_s, self._idle_out)

    # ---- the session's side ----

    def send(self, text, sse_id):
        self._last_seq += 1
        self._frames.append((self._last_seq, text))
        self._queued_bytes += len(text)
        self._wake_soon()
        return self._queued_bytes <= self._limit

    def keepalive(self):
        pass  # the session's ping frames are queued like any frame

    def close(self, code, reason):
        """The session ended: its last frames (the disconnect advice) wait for one more poll, then
        the session is forgotten (a later poll gets 404)."""
        self.closed = True
        if code == CloseCode.SLOW_CONSUMER:
            self._frames.clear()
        self._wake_soon()
        self._restart_idle()

    # ---- the poller's side ----

    def batch_after(self, ack):
        self._acked = max(self._acked, ack)
        while self._frames and self._frames[0][0] <= ack:
            self._queued_bytes -= len(self._frames.popleft()[1])
        texts, size, seq = [], 0, ack
        for frame_seq, text in self._frames:
            if texts and size + len(text) > MAX_BATCH_BYTES:
                break
            texts.append(text)
            size += len(text)
            seq = frame_seq
        return seq, texts

    async def poll(self, ack):
        if ack > self._last_seq:
            return error_answer("BAD_REQUEST", f"ack {ack} is past the last frame sent ({self._last_seq})")
        if ack < self._acked:
            return error_answer("BAD_REQUEST", f"Frames up to {self._acked} were acknowledged and are gone; ack {ack} is behind them")
        self._restart_idle()
        seq, texts = self.batch_after(ack)
        if texts:
            return _batch(seq, texts)
        if self.closed:
            self._forget()
            return SESSION_NOT_FOUND
        if self._held is not None and not self._held.done():
            self._held.set_result(None)  # the older poll answers with what it has: nothing new
        held = self._loop.create_future()
        self._held = held
        try:
            await asyncio.wait_for(asyncio.shield(held), self._poll_s)
        except asyncio.TimeoutError:
            pass
        finally:
            if self._held is held:
                self._held = None
            self._restart_idle()
        seq, texts = self.batch_after(ack)
        return _batch(seq, texts)

    # ---- internals ----

    def _wake_soon(self):
        # Frames queued in the same turn leave together in one response.
        if not self._wake_pending:
            self._wake_pending = True
            self._loop.call_soon(self._wake)

    def _wake(self):
        self._wake_pending = False
        if self._held is not None and not self._held.done():
            self._held.set_result(None)

    def _restart_idle(self):
        self._idle.cancel()
        self._idle = self._loop.call_later(self._idle_s, self._idle_out)

    def _idle_out(self):
        """Not polled for heartbeat + poll time: the client is gone."""
        if self._held is not None and not self._held.done():
            self._restart_idle()
            return
        if self.session is not None:
            self.session.closed()
        self._forget()

    def _forget(self):
        self._idle.cancel()
        self.closed = True
        self._frames.clear()
        if self.session is not None:
            self._runtime.unregister_session(self.session.id)

    def routing_handler(self, session):
        self.session = session
        return PollHandler(session, self)


class PollHandler:
    """Routed requests for a long-polling session. It stays registered after the session ends,
    until its last frames are fetched."""

    release_on_close = False

    def __init__(self, session, link):
        self.session = session
        self.link = link

    def handle(self, request):
        kind = request.get("kind")
        if kind == "send":
            return resolved(verdict_answer(self.session.upstream(request["subject"], request["frame"])))
        if kind == "poll":
            if request["subject"] != self.session.claims["sub"]:
                return resolved(error_answer("FORBIDDEN", "This session belongs to another user"))
            return self.link.poll(request["ack"])
        return None


class PollConnectEndpoint(ConnectEndpoint):
    """`POST /poll/connect`: answers at once with `{"seq":1,"frames":[<connect reply>]}`."""

    async def connect(self, runtime, request, claims, connect_id):
        link = PollLink(runtime)
        session = Session(runtime, link)
        runtime.track(session, request.scope)
        await session.establish(claims, connect_id)
        seq, texts = link.batch_after(0)
        return _batch(seq, texts)


class PollEndpoint(SessionEndpoint):
    """`POST /poll` with `Lifeline-Session` and `{"ack": <last seq received>}`."""

    async def handle_session(self, runtime, request, claims, session_id):
        try:
            body = loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return error_answer("BAD_REQUEST", "Body is not valid JSON")
        ack = safe_int(body.get("ack")) if isinstance(body, dict) else None
        if ack is None or ack < 0:
            return error_answer("BAD_REQUEST", 'Body must be {"ack": <last seq received>}')
        settings = runtime.settings
        timeout = (settings.poll_ms + settings.route_timeout_ms) / 1000
        return await runtime.router.route(session_id, {"kind": "poll", "subject": claims["sub"], "ack": ack}, timeout)
