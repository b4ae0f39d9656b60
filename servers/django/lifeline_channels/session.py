"""One client connection: handshake, subscriptions, limits, token lifetime and heartbeat. The same
code serves WebSocket, SSE and long-polling; a transport only supplies a link (`send`, `close`,
`keepalive`)."""
import asyncio
import collections
import logging
import secrets
import time

from .auth import AuthError, expires_in_ms, verify_token
from .codes import PROTOCOL_VERSION, CloseCode, error_body
from .frames import parse_command
from .jsontext import dumps
from .payload import encode_publication
from .presence import presence_data
from .refused import UNAVAILABLE_RETRY_MS, Refused
from .rate_limiter import TokenBucket
from .resp import RedisError, RedisUnavailable

log = logging.getLogger("lifeline")

#: How many rate-limited frames within FLOOD_WINDOW_S turn a flood into a disconnect (4002).
FLOOD_REJECTIONS = 1000
FLOOD_WINDOW_S = 10.0
#: What a client is told to wait after a flood disconnect.
FLOOD_RETRY_MS = 5000


def _ok(result):
    return {"ok": True, "result": result}


def _fail(code, message, retry_after_ms=None):
    return {"ok": False, "error": error_body(code, message, retry_after_ms)}


class Subscription:
    __slots__ = ("last", "pending", "release", "ended", "presence")

    def __init__(self, presence=False):
        self.last = None  # last position delivered: (epoch, offset)
        self.pending = []  # live publications held back while history is read; None once live
        self.release = None  # ends the fan-out and leaves presence
        self.ended = None  # why the fan-out ended while subscribing (error body)
        # When joined: `queue` holds changes heard before the snapshot went out (None after), and
        # `version` is the last one applied, so no change repeats what the snapshot shows.
        self.presence = {"queue": [], "version": 0} if presence else None


class Session:
    def __init__(self, runtime, link):
        self.id = "s_" + secrets.token_hex(8)
        self.status = "connecting"
        self.claims = None
        self.subscriptions = {}
        self._runtime = runtime
        self._settings = runtime.settings
        self._link = link
        self._limiter = TokenBucket(self._settings.rate_per_second, self._settings.rate_burst)
        self._flood_since = 0.0
        self._flood_rejected = 0
        self._connect_received = False
        self._queue = collections.deque()
        self._worker = None
        self._loop = asyncio.get_running_loop()
        self._timers = []
        self._expiry = None
        self._heartbeat = None
        self._last_heard = time.monotonic()
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
        self._last_heard = time.monotonic()
        self._runtime.metrics.messages_in += 1
        parsed = parse_command(text, self._settings.max_frame_bytes)
        # Every frame costs a token, malformed ones and pongs included: otherwise garbage floods for free.
        wait = self._limiter.take()
        if wait > 0:
            self._rate_limited(parsed.frame.get("id") if parsed.ok else parsed.id, wait)
            return
        if not parsed.ok:
            self._runtime.metrics.error(parsed.error["code"])
            if parsed.id is None:
                self._send({"type": "error", "error": parsed.error})
            else:
                self._send({"type": "reply", "id": parsed.id, "ok": False, "error": parsed.error})
            return
        self._accept(parsed.frame)

    def upstream(self, subject, frame):
        """A command that came by HTTP (`POST /sse/send`), possibly routed from another process.
        Returns the verdict `{accepted, status?, error?}`."""
        if self.status != "open":
            return {"accepted": False, "status": 404, "error": error_body("SESSION_NOT_FOUND", "Session is closed")}
        if subject != self.claims["sub"]:
            self._runtime.metrics.error("FORBIDDEN")
            return {"accepted": False, "status": 403, "error": error_body("FORBIDDEN", "This session belongs to another user")}
        if frame["type"] == "connect":
            return {"accepted": False, "status": 400, "error": error_body("ALREADY_CONNECTED", "Session is already connected")}
        self._runtime.metrics.messages_in += 1
        self._last_heard = time.monotonic()
        wait = 0 if frame["type"] == "pong" else self._limiter.take()
        if wait > 0:
            self._runtime.metrics.error("RATE_LIMITED")
            return {"accepted": False, "status": 429, "error": error_body("RATE_LIMITED", "Too many commands", wait)}
        if frame["type"] != "pong":
            self._enqueue(frame["id"], lambda: self._run(frame))
        return {"accepted": True}

    def _accept(self, frame):
        if frame["type"] == "pong":
            return
        if frame["type"] == "connect":
            self._connect_received = True
        elif not self._connect_received:
            # Commands pipelined behind `connect` are fine; a command with no connect before it is not.
            self._reply(frame["id"], _fail("NOT_CONNECTED", "Send connect first"))
            self.disconnect(CloseCode.BAD_PROTOCOL, "command before connect")
            return
        self._enqueue(frame["id"], lambda: self._run(frame))

    def _rate_limited(self, command_id, wait):
        """A command over the rate gets RATE_LIMITED in its turn; a frame without an id gets no
        answer (answering garbage would amplify a flood)."""
        now = time.monotonic()
        if now - self._flood_since > FLOOD_WINDOW_S:
            self._flood_since, self._flood_rejected = now, 0
        self._flood_rejected += 1
        if self._flood_rejected >= FLOOD_REJECTIONS:
            self.disconnect(CloseCode.RATE_LIMITED, "command flood", FLOOD_RETRY_MS)
        elif command_id is None:
            self._runtime.metrics.error("RATE_LIMITED")
        else:
            self._enqueue(command_id, lambda: _done(_fail("RATE_LIMITED", "Too many commands", wait)))

    # ---- commands, one at a time so replies leave in the order the commands arrived ----

    def _enqueue(self, command_id, answer):
        self._queue.append((command_id, answer))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._drain())

    async def _drain(self):
        while self._queue and self.status != "closed":
            command_id, answer = self._queue.popleft()
            try:
                reply = await answer()
            except Refused as refused:
                reply = {"ok": False, "error": refused.body()}
            except (RedisUnavailable, RedisError) as error:
                log.warning("command %s of %s failed: %s", command_id, self.id, error)
                reply = _fail("UNAVAILABLE", "Redis is unavailable; retry", UNAVAILABLE_RETRY_MS)
            except Exception:
                log.exception("command %s of %s failed", command_id, self.id)
                reply = _fail("INTERNAL", "The server failed to handle this command")
            if reply is not None:
                self._reply(command_id, reply)

    async def _run(self, command):
        kind = command["type"]
        if kind == "connect":
            await self._connect(command)
            return None
        if kind == "ping":
            return _ok({})
        if kind == "refresh":
            return self._refresh(command["token"])
        if kind == "subscribe":
            return await self._subscribe(command["id"], command["channel"], command.get("since"), command.get("rewind", 0), command.get("presence"))
        if kind == "unsubscribe":
            subscription = self.subscriptions.pop(command["channel"], None)
            if subscription is None:
                return _fail("NOT_SUBSCRIBED", f"Not subscribed to {command['channel']}")
            if subscription.release:
                subscription.release()
            return _ok({})
        if kind == "publish":
            channel = command["channel"]
            if not self._runtime.authorize(self.claims, channel, "publish"):
                return _fail("FORBIDDEN", f"Not allowed to publish to {channel}")
            message = encode_publication(command["event"], command["data"], command["key"], self._settings.max_frame_bytes)
            sub = self.claims["sub"]
            outcome = await self._runtime.broker.publish(channel, message, command["key"], "u:" + sub, author=sub)
            return _ok(outcome)
        return _fail("UNKNOWN_COMMAND", f"Unknown command type {kind}")

    async def _connect(self, command):
        if self.status != "connecting":
            self._reply(command["id"], _fail("ALREADY_CONNECTED", "Already connected"))
            return
        if command["v"] != PROTOCOL_VERSION:
            self._reply(command["id"], _fail("UNSUPPORTED_VERSION", f"Protocol version {command['v']} is not supported; this server speaks {PROTOCOL_VERSION}"))
            self.disconnect(CloseCode.BAD_PROTOCOL, "unsupported protocol version")
            return
        try:
            if "token" not in command:
                raise AuthError("UNAUTHORIZED", "connect needs a token")
            claims = verify_token(command["token"], self._settings.jwt_secret, self._settings.max_token_lifetime_ms)
        except AuthError as error:
            self._reply(command["id"], {"ok": False, "error": error.body()})
            self.disconnect(CloseCode.TOKEN_EXPIRED if error.code == "TOKEN_EXPIRED" else CloseCode.UNAUTHORIZED, error.message)
            return
        await self.establish(claims, command["id"])

    async def establish(self, claims, connect_id):
        """Completes the handshake (for SSE and long-polling, authenticated out of band) and sends
        the connect reply. Sessions reached over HTTP are registered for routing first, so an
        upstream POST sent right after the reply finds them on any process."""
        if self.status != "connecting":
            return
        self.status = "open"
        self.claims = claims
        if self._link.transport != "websocket":
            await self._runtime.register_session(self, self._link)
            if self.status != "open":
                return
        self._schedule_expiry()
        self._heartbeat = self._loop.call_later(self._settings.heartbeat_ms / 1000, self._beat)
        result = {"session": self.id, "heartbeatMs": self._settings.heartbeat_ms, "expiresInMs": expires_in_ms(claims)}
        self._reply(connect_id, _ok(result))

    def _refresh(self, token):
        try:
            claims = verify_token(token, self._settings.jwt_secret, self._settings.max_token_lifetime_ms)
        except AuthError as error:
            return {"ok": False, "error": error.body()}
        if claims["sub"] != self.claims["sub"]:
            return _fail("FORBIDDEN", "A refresh token must belong to the same user")
        self.claims = claims
        self._schedule_expiry()
        return _ok({"expiresInMs": expires_in_ms(claims)})

    async def _subscribe(self, command_id, channel, since, rewind=0, presence=None):
        settings, runtime = self._settings, self._runtime
        if channel in self.subscriptions:
            return _fail("ALREADY_SUBSCRIBED", f"Already subscribed to {channel}")
        if len(self.subscriptions) >= settings.max_subscriptions:
            return _fail("TOO_MANY_SUBSCRIPTIONS", f"At most {settings.max_subscriptions} subscriptions per connection")
        if not runtime.authorize(self.claims, channel, "subscribe"):
            return _fail("FORBIDDEN", f"Not allowed to subscribe to {channel}")
        if presence is not None and not runtime.authorize(self.claims, channel, "presence"):
            return _fail("FORBIDDEN", f"Not allowed to see the presence of {channel}")
        # Live first, history second, then merge by offset: nothing published in between is lost;
        # the same for presence: changes heard while the snapshot is read are sorted out by version.
        subscription = Subscription(presence is not None)
        self.subscriptions[channel] = subscription
        snapshot = None
        try:
            on_presence = (lambda change: self._presence_changed(channel, subscription, change)) if presence is not None else None
            end_fanout = await runtime.fanout.listen(channel, self.deliver, on_presence)

            released = False

            def release():
                # Once only: a second leave could take out a later subscription's join.
                nonlocal released
                if released:
                    return
                released = True
                end_fanout()
                if presence is not None:
                    runtime.presence.leave(channel, self.id)

            subscription.release = release
            history = await runtime.broker.history(channel, since, rewind)
            if presence is not None and self.subscriptions.get(channel) is subscription and self.status != "closed":
                await runtime.presence.join(channel, self.id, self.claims["sub"], presence_data(presence))
                if self.subscriptions.get(channel) is not subscription or self.status == "closed":
                    runtime.presence.leave(channel, self.id)  # released while the join was written
                else:
                    snapshot = await runtime.presence.members(channel)
        except BaseException:
            if self.subscriptions.get(channel) is subscription:
                del self.subscriptions[channel]
            if subscription.release:
                subscription.release()
            raise
        if subscription.ended is not None:
            # The fan-out broke while history was read: what came meanwhile may be lost.
            subscription.release()
            if self.subscriptions.get(channel) is subscription:
                del self.subscriptions[channel]
            return {"ok": False, "error": subscription.ended}
        if self.subscriptions.get(channel) is not subscription or self.status == "closed":
            subscription.release()
            return None
        pending, subscription.pending = subscription.pending, None
        if since is not None and history.recovered:
            cursor = (since["epoch"], since["offset"])
        elif history.replay_from is not None:
            # A rewind (the cursor just before the messages replayed), or an epoch the channel no
            # longer has while the current one is held whole (replayed from its start).
            cursor = (history.replay_from["epoch"], history.replay_from["offset"])
        else:
            cursor = (history.position["epoch"], history.position["offset"])
            # A live publication that arrived while history was read is delivered too.
            first = pending[0] if pending else None
            if first is not None and first.epoch == cursor[0] and first.offset <= cursor[1]:
                cursor = (first.epoch, first.offset - 1)
        subscription.last = cursor
        result = {"position": {"epoch": cursor[0], "offset": cursor[1]}, "recovered": history.recovered}
        if snapshot is not None:
            result["presence"] = snapshot[1]
        self._reply(command_id, _ok(result))
        for publication in history.publications + pending:
            self.deliver(publication)
        if snapshot is not None:
            queued = subscription.presence["queue"]
            subscription.presence = {"queue": None, "version": snapshot[0]}
            for change in queued:
                self._presence_changed(channel, subscription, change)
        return None

    def _presence_changed(self, channel, subscription, change):
        """A change of the channel's presence: held back until the snapshot went out, then sent
        unless the snapshot already has it."""
        state = subscription.presence
        if self.subscriptions.get(channel) is not subscription or state is None:
            return
        if state["queue"] is not None:
            state["queue"].append(change)
            return
        if change.version <= state["version"]:
            return
        state["version"] = change.version
        self._send({"type": "presence", "channel": channel, "action": change.action, "member": change.member})

    # ---- frames out ----

    def deliver(self, publication):
        subscription = self.subscriptions.get(publication.channel)
        if subscription is None:
            return
        if subscription.pending is not None:
            subscription.pending.append(publication)
            return
        last = subscription.last
        # A replay racing the live feed must not repeat a message.
        if last and last[0] == publication.epoch and publication.offset <= last[1]:
            return
        subscription.last = (publication.epoch, publication.offset)
        self._send_text(publication.text, publication.sse_id)

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

    def _reply(self, command_id, reply):
        if reply["ok"]:
            self._send({"type": "reply", "id": command_id, "ok": True, "result": reply["result"]})
        else:
            self._runtime.metrics.error(reply["error"]["code"])
            self._send({"type": "reply", "id": command_id, "ok": False, "error": reply["error"]})

    def _send(self, frame):
        self._send_text(dumps(frame), None)

    def _send_text(self, text, sse_id):
        if self.status == "closed":
            return
        self._runtime.metrics.messages_out += 1
        if not self._link.send(text, sse_id):
            self._runtime.metrics.error("SLOW_CONSUMER")
            self._release()
            self._link.close(CloseCode.SLOW_CONSUMER, "send buffer full")

    # ---- timers ----

    def _connect_timeout(self):
        if self.status == "connecting":
            self.disconnect(CloseCode.CONNECT_TIMEOUT, "no connect frame in time")

    def _beat(self):
        if self.status != "open":
            return
        heartbeat_s = self._settings.heartbeat_ms / 1000
        if self._link.transport == "websocket" and time.monotonic() - self._last_heard > 2 * heartbeat_s:
            self.disconnect(CloseCode.HEARTBEAT_TIMEOUT, "no frame from the client for two heartbeats")
            return
        self._link.keepalive()
        self._send({"type": "ping"})
        self._heartbeat = self._loop.call_later(heartbeat_s, self._beat)

    def _schedule_expiry(self):
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = self._loop.call_later(expires_in_ms(self.claims) / 1000, self.expire_token)

    def expire_token(self):
        self.disconnect(CloseCode.TOKEN_EXPIRED, "token expired")

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
        for timer in self._timers + [self._expiry, self._heartbeat]:
            if timer is not None:
                timer.cancel()
        for subscription in self.subscriptions.values():
            if subscription.release:
                subscription.release()
        self.subscriptions.clear()
        self._queue.clear()
        self._runtime.metrics.closed(self._link.transport)
        self._runtime.session_closed(self, was_open)


async def _done(value):
    return value
