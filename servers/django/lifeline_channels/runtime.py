"""The per-process state of the Lifeline server: settings, Redis connections, fan-out, routing and
the sessions this process holds. Created on first use inside the server's event loop."""
import asyncio
import logging
import secrets

from .broker import Broker
from .channel_rules import channel_authorizer
from .codes import CloseCode
from .connection_cap import ConnectionCap
from .conf import get_settings
from .fanout import Fanout
from .lua_scripts import load_scripts
from .metrics import Metrics
from .presence import Presence
from .refused import UNAVAILABLE_RETRY_MS
from .redis_client import RedisClient
from .redis_pubsub import PubSub
from .resp import RedisUnavailable
from . import shutdown
from .router import Router
from .routing_handler import RoutingHandler

log = logging.getLogger("lifeline")

#: Clients reconnect at a random point within this after a shutdown (spread, not a herd).
SHUTDOWN_RETRY_MS = 2000
#: What a client over the per-address connection cap is told to wait.
CAP_RETRY_MS = 10_000


class Runtime:
    def __init__(self, settings):
        self.settings = settings
        self.metrics = Metrics()
        self.authorize = channel_authorizer(settings.channel_rules)
        self.replica_id = "r_" + secrets.token_hex(6)
        timeout = settings.redis_timeout_ms / 1000
        self.client = RedisClient(settings.redis_url, timeout)
        self.pubsub = PubSub(settings.redis_url, self._on_message, self._on_fanout_lost, timeout)
        self.broker = Broker(settings, self.client, lambda: self.pubsub.connected)
        self.fanout = Fanout(self.broker.keys, self.pubsub)
        self.presence = Presence(self.broker.keys, self.client, load_scripts(settings.lua_dir), self.replica_id, settings.presence_ttl_ms, lambda: self.pubsub.connected)
        self.router = Router(self.broker.keys, self.client, self.pubsub, self.replica_id, self._handle_routed)
        #: Every session of this process, open or connecting.
        self.sessions = set()
        #: Sessions reachable over HTTP (SSE, long-polling) by id: their routing handlers.
        self.routable = {}
        self.cap = ConnectionCap(settings.max_connections_per_ip)
        self._peers = {}
        self._started = None

    async def start(self):
        """Connects the pub/sub link once. When Redis is away the process still serves (degraded:
        HTTP health 503, commands that need Redis answer UNAVAILABLE) and connects in the background."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self):
        shutdown.install(asyncio.get_running_loop(), self._shut_down)
        self.presence.start()
        try:
            await self.router.start()
        except RedisUnavailable as error:
            log.warning("Redis unavailable at start, retrying in the background: %s", error)

    # ---- health ----

    def health(self):
        connections = dict(self.metrics.connections)
        if self.pubsub.connected and (self.client.connected or self.client.last_error is None):
            return 200, {"status": "ok", "connections": connections}
        reason = self.client.last_error or self.pubsub.last_error or "Redis is not connected"
        return 503, {"status": "degraded", "reason": reason, "connections": connections}

    # ---- sessions ----

    def track(self, session, scope):
        """Counts a new session against its address's cap; one too many is closed with 4002."""
        self.sessions.add(session)
        client = scope.get("client")
        peer = client[0] if client else None
        if self.cap.admit(peer):
            self._peers[session] = peer
        else:
            self.metrics.error("RATE_LIMITED")
            session.disconnect(CloseCode.RATE_LIMITED, "Too many connections from this address", CAP_RETRY_MS)

    def session_closed(self, session, was_open):
        self.sessions.discard(session)
        if session in self._peers:
            self.cap.release(self._peers.pop(session))
        handler = self.routable.get(session.id)
        if handler is not None and handler.release_on_close:
            self.unregister_session(session.id)

    async def register_session(self, session, link):
        """Makes a session reachable from every process (`POST /sse/send`, `POST /poll`)."""
        factory = getattr(link, "routing_handler", None)
        self.routable[session.id] = factory(session) if factory else RoutingHandler(session)
        try:
            await self.router.register(session.id)
        except RedisUnavailable as error:
            # Still reachable through this process; other processes will answer 404 until Redis is back.
            log.warning("session %s is reachable from this process only: %s", session.id, error)

    def unregister_session(self, session_id):
        if self.routable.pop(session_id, None) is not None:
            self.router.unregister(session_id)

    def _handle_routed(self, session_id, request):
        handler = self.routable.get(session_id)
        return handler.handle(request) if handler is not None else None

    # ---- pub/sub ----

    def _on_message(self, channel, payload):
        if not self.fanout.dispatch(channel, payload):
            self.router.dispatch(channel, payload)

    def _on_fanout_lost(self):
        """Publications sent from now until the pub/sub link is back would be lost to this
        process: every live subscription ends with `unsubscribed` UNAVAILABLE, and the clients
        subscribe again with `since` (refused UNAVAILABLE until Redis is back, then recovered)."""
        for session in list(self.sessions):
            session.end_subscriptions("UNAVAILABLE", "This server lost its connection to Redis; subscribe again from your position", UNAVAILABLE_RETRY_MS)

    def _shut_down(self):
        self.disconnect_all()
        # Out of presence at once rather than when the liveness key expires.
        asyncio.ensure_future(self.presence.close())

    def disconnect_all(self, code=CloseCode.SHUTDOWN, reason="server shutting down", retry_after_ms=SHUTDOWN_RETRY_MS):
        for session in list(self.sessions):
            session.disconnect(code, reason, retry_after_ms)


_runtimes = {}


async def get_runtime():
    """The runtime of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    runtime = _runtimes.get(loop)
    if runtime is None:
        runtime = Runtime(get_settings())
        _runtimes[loop] = runtime
    await runtime.start()
    return runtime
