"""Routes requests for a session (upstream commands, polls) to the process that holds it.

The holder subscribes to the session's own pub/sub channel before the client learns the session id,
so PUBLISH tells at once whether anyone holds it (0 receivers: SESSION_NOT_FOUND) and no request
can arrive before the session is reachable. Answers come back on the requester's replica channel.
"""
import asyncio
import itertools
import logging

from .answers import SESSION_NOT_FOUND, error_answer
from .jsontext import dumps, loads
from .refused import UNAVAILABLE_RETRY_MS
from .resp import RedisError, RedisUnavailable

log = logging.getLogger("lifeline")


def unavailable(message):
    return error_answer("UNAVAILABLE", message, UNAVAILABLE_RETRY_MS)


class Router:
    def __init__(self, keys, client, pubsub, replica_id, handle):
        """`handle(session_id, request)` answers a request for a local session (awaitable), or
        returns `None` when the session is not here."""
        self._keys = keys
        self._client = client
        self._pubsub = pubsub
        self._replica = replica_id
        self._handle = handle
        self._ids = itertools.count(1)
        self._pending = {}
        self._session_prefix = keys.session("")
        self._replica_channel = keys.replica(replica_id)

    async def start(self):
        await self._pubsub.subscribe(self._replica_channel)

    async def register(self, session_id):
        await self._pubsub.subscribe(self._keys.session(session_id))

    def unregister(self, session_id):
        self._pubsub.unsubscribe(self._keys.session(session_id))

    async def route(self, session_id, request, timeout_s):
        """The HTTP answer (`{status, text}`) of the session's holder, wherever it is."""
        local = self._handle(session_id, request)
        if local is not None:
            return await local
        if not self._pubsub.connected:
            return unavailable("Redis is unreachable, so sessions on other processes cannot be reached; retry")
        query = str(next(self._ids))
        future = asyncio.get_running_loop().create_future()
        self._pending[query] = future
        try:
            message = dumps({"r": self._replica, "q": query, "req": request})
            try:
                receivers = await self._client.execute("PUBLISH", self._keys.session(session_id), message)
            except (RedisUnavailable, RedisError) as error:
                log.warning("routing to session %s failed: %s", session_id, error)
                return unavailable("Redis is unreachable, so sessions on other processes cannot be reached; retry")
            if receivers == 0:
                return SESSION_NOT_FOUND
            try:
                return await asyncio.wait_for(future, timeout_s)
            except asyncio.TimeoutError:
                return unavailable("The process holding this session did not answer in time; retry")
        finally:
            self._pending.pop(query, None)

    def dispatch(self, channel, payload):
        """A pub/sub message; `False` when it is not routing traffic."""
        if channel == self._replica_channel:
            answer = loads(payload.decode("utf-8", "surrogatepass"))
            future = self._pending.get(answer["q"])
            if future is not None and not future.done():
                future.set_result(answer["a"])
            return True
        if channel.startswith(self._session_prefix):
            message = loads(payload.decode("utf-8", "surrogatepass"))
            asyncio.ensure_future(self._answer(channel[len(self._session_prefix):], message))
            return True
        return False

    async def _answer(self, session_id, message):
        pending = self._handle(session_id, message["req"])
        answer = await pending if pending is not None else SESSION_NOT_FOUND
        try:
            await self._client.execute("PUBLISH", self._keys.replica(message["r"]), dumps({"q": message["q"], "a": answer}))
        except (RedisUnavailable, RedisError) as error:
            log.warning("answering a routed request failed: %s", error)
