"""One client connection: handshake, limits, token lifetime, frames in and out. The same code
serves WebSocket, SSE and long-polling; a transport only supplies a link (`send`, `close`,
`keepalive`). What the commands do is in `commands` and `subscribing`."""
import asyncio
import secrets

from .auth import expires_in_ms
from .codes import CloseCode, error_body
from .command_queue import CommandQueue
from .commands import run_command
from .flood import FLOOD_RETRY_MS, FloodGuard
from .frames import parse_command
from .heartbeat import Heartbeat
from .jsontext import dumps
from .rate_limiter import TokenBucket
from .replies import fail, ok, resolved


class Session:
    def __init__(self, runtime, link):
        self.id = "s_" + secrets.token_hex(8)
        self.status = "connecting"
        self.claims = None
        self.subscriptions = {}
        self.runtime = runtime
        self._settings = runtime.settings
        self._link = link
        self._limiter = TokenBucket(self._settings.rate_per_second, self._settings.rate_burst)
        self._flood = FloodGuard()
        self._connect_received = False
        self._commands = CommandQueue(self.id, self.reply, lambda: self.status == "closed")
        self._loop = asyncio.get_running_loop()
        self._timers = []
        self._expiry = None
        self._heartbeat = None
        runtime.metrics.opened(link.transport)
        if link.transport == "websocket":
            self._timers.append(self._loop.call_later(self._settings.connect_timeout_ms / 1000, self._connect_timeout))

    @property
    def transport(self):
        return self._link.transport

    # ---- frames in ----

    def receive(self, text):
        """A WebSocket text frame. Never raises."""
        if self.status == "closed":
            return
        parsed = parse_command(text, self._settings.max_frame_bytes)
        self._heard(parsed.ok and parsed.frame["type"] == "pong")
        # Every frame costs a token, malformed ones and pongs included: otherwise garbage floods for free.
        wait = self._limiter.take()
        if wait > 0:
            self._rate_limited(parsed.frame.get("id") if parsed.ok else parsed.id, wait)
            return
        if not parsed.ok:
            if parsed.id is None:
                self.runtime.metrics.error(parsed.error["code"])
                self._send({"type": "error", "error": parsed.error})
            else:
                # In its turn, like any reply: sent at once it overtook the replies of the commands
                # before it (a connect still checking its token, a subscribe still replaying).
                refusal = {"ok": False, "error": parsed.error}
                self._commands.put(parsed.id, lambda: resolved(refusal))
            return
        self._accept(parsed.frame)

    def upstream(self, subject, frame):
        """A command that came by HTTP (`POST /sse/send`), possibly routed from another process.
        Returns the verdict `{accepted, status?, error?}`."""
        if self.status != "open":
            return {"accepted": False, "status": 404, "error": error_body("SESSION_NOT_FOUND", "Session is closed")}
        if subject != self.claims["sub"]:
            self.runtime.metrics.error("FORBIDDEN")
            return {"accepted": False, "status": 403, "error": error_body("FORBIDDEN", "This session belongs to another user")}
        if frame["type"] == "connect":
            return {"accepted": False, "status": 400, "error": error_body("ALREADY_CONNECTED", "Session is already connected")}
        self._heard(frame["type"] == "pong")
        wait = 0 if frame["type"] == "pong" else self._limiter.take()
        if wait > 0:
            self.runtime.metrics.error("RATE_LIMITED")
            return {"accepted": False, "status": 429, "error": error_body("RATE_LIMITED", "Too many commands", wait)}
        if frame["type"] != "pong":
            self._commands.put(frame["id"], lambda: run_command(self, frame))
        return {"accepted": True}

    def _heard(self, pong):
        self.runtime.metrics.messages_in += 1
        if self._heartbeat is None:
            return
        # A pong proves the client alive but is no frame of its own: it does not skip the next beat.
        if pong:
            self._heartbeat.answered()
        else:
            self._heartbeat.heard()

    def _accept(self, frame):
        if frame["type"] == "pong":
            return
        if frame["type"] == "connect":
            self._connect_received = True
        elif not self._connect_received:
            # Commands pipelined behind `connect` are fine; a command with no connect before it is not.
            self.reply(frame["id"], fail("NOT_CONNECTED", "Send connect first"))
            self.disconnect(CloseCode.BAD_PROTOCOL, "command before connect")
            return
        self._commands.put(frame["id"], lambda: run_command(self, frame))

    def _rate_limited(self, command_id, wait):
        """A command over the rate gets RATE_LIMITED in its turn; a frame without an id gets no
        answer (answering garbage would amplify a flood)."""
        if self._flood.rejected():
            self.disconnect(CloseCode.RATE_LIMITED, "command flood", FLOOD_RETRY_MS)
        elif command_id is None:
            self.runtime.metrics.error("RATE_LIMITED")
        else:
            self._commands.put(command_id, lambda: resolved(fail("RATE_LIMITED", "Too many commands", wait)))

    # ---- handshake and token lifetime ----

    async def establish(self, claims, connect_id):
        """Completes the handshake (for SSE and long-polling, authenticated out of band) and sends
        the connect reply. Sessions reached over HTTP are registered for routing first, so an
        upstream POST sent right after the reply finds them on any process."""
        if self.status != "connecting":
            return
        self.status = "open"
        self.claims = claims
        if self._link.transport != "websocket":
            await self.runtime.register_session(self, self._link)
            if self.status != "open":
                return
        self._schedule_expiry()
        # Only a WebSocket is found dead here: SSE and long-polling sessions end with their stream or polls.
        dead = self._heartbeat_timeout if self._link.transport == "websocket" else None
        self._heartbeat = Heartbeat(self._loop, self._settings.heartbeat_ms, self._ping, dead)
        self._heartbeat.start()
        result = {"session": self.id, "heartbeatMs": self._settings.heartbeat_ms, "expiresInMs": expires_in_ms(claims)}
        self.reply(connect_id, ok(result))

    def renew(self, claims):
        """A refreshed token of the same user: the session now expires with it."""
        self.claims = claims
        self._schedule_expiry()

    def _schedule_expiry(self):
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = self._loop.call_later(expires_in_ms(self.claims) / 1000, self.expire_token)

    def expire_token(self):
        self.disconnect(CloseCode.TOKEN_EXPIRED, "token expired")

    def _connect_timeout(self):
        if self.status == "connecting":
            self.disconnect(CloseCode.CONNECT_TIMEOUT, "no connect frame in time")

    def _ping(self):
        self._link.keepalive()
        self._send({"type": "ping"})

    def _heartbeat_timeout(self):
        self.disconnect(CloseCode.HEARTBEAT_TIMEOUT, "no frame from the client for two heartbeats")

    # ---- frames out ----

    def deliver(self, publication):
        subscription = self.subscriptions.get(publication.channel)
        if subscription is not None and subscription.admit(publication):
            self._send_text(publication.text, publication.sse_id)

    def presence_changed(self, channel, subscription, change):
        """A change of the channel's presence, for `subscription` while it is the channel's."""
        if self.subscriptions.get(channel) is subscription and subscription.admit_presence(change):
            self._send({"type": "presence", "channel": channel, "action": change.action, "member": change.member})

    def end_subscriptions(self, code, message, retry_after_ms=None):
        """Ends every subscription on the server's side (the fan-out was interrupted): the client
        resubscribes with `since` and recovers what it missed."""
        for channel, subscription in list(self.subscriptions.items()):
            if subscription.pending is not None:
                subscription.ended = error_body(code, message, retry_after_ms)  # answered by its subscribe
                continue
            del self.subscriptions[channel]
            if subscription.release:
                subscription.release()
            self._send({"type": "unsubscribed", "channel": channel, "error": error_body(code, message, retry_after_ms)})

    def reply(self, command_id, outcome):
        if outcome["ok"]:
            self._send({"type": "reply", "id": command_id, "ok": True, "result": outcome["result"]})
        else:
            self.runtime.metrics.error(outcome["error"]["code"])
            self._send({"type": "reply", "id": command_id, "ok": False, "error": outcome["error"]})

    def _send(self, frame):
        self._send_text(dumps(frame), None)

    def _send_text(self, text, sse_id):
        if self.status == "closed":
            return
        self.runtime.metrics.messages_out += 1
        if not self._link.send(text, sse_id):
            self.runtime.metrics.error("SLOW_CONSUMER")
            self._release()
            self._link.close(CloseCode.SLOW_CONSUMER, "send buffer full")

    # ---- ending ----

    def disconnect(self, code, reason, retry_after_ms=None):
        """Sends disconnect advice, closes the transport and releases everything. Idempotent."""
        if self.status == "closed":
            return
        if code != CloseCode.NORMAL:
            frame = {"type": "disconnect", "code": code, "reason": reason}
            if retry_after_ms is not None:
                frame["retryAfterMs"] = retry_after_ms
            self._send(frame)
        self._release()
        self._link.close(code, reason)

    def closed(self):
        """The transport closed under us (the client went away)."""
        self._release()

    def _release(self):
        if self.status == "closed":
            return
        was_open = self.status == "open"
        self.status = "closed"
        for timer in self._timers + [self._expiry]:
            if timer is not None:
                timer.cancel()
        if self._heartbeat is not None:
            self._heartbeat.stop()
        for subscription in self.subscriptions.values():
            if subscription.release:
                subscription.release()
        self.subscriptions.clear()
        self._commands.clear()
        self.runtime.metrics.closed(self._link.transport)
        self.runtime.session_closed(self, was_open)
