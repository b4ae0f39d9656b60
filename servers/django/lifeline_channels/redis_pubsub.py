"""One Redis subscriber connection, subscribed again to every wanted channel after a reconnect."""
import asyncio
import logging

from .redis_connection import RedisConnection
from .resp import RedisUnavailable, encode

log = logging.getLogger("lifeline")


class PubSub(RedisConnection):
    """`subscribe` resolves once Redis confirmed the subscription, so a read that follows cannot
    miss a publication. When the connection breaks it calls `on_lost` (publications from then on
    are lost, and the owner must say so), then reconnects with backoff and subscribes again to
    every channel still wanted."""

    name = "Redis pub/sub"

    def __init__(self, url, on_message, on_lost, timeout_s=5.0):
        super().__init__(url, timeout_s)
        self._on_message = on_message
        self._on_lost = on_lost
        self._channels = set()
        self._closed = False
        self._reconnecting = None

    async def subscribe(self, channel):
        """Raises RedisUnavailable when Redis is away; the channel stays wanted, and the background
        reconnect subscribes it once Redis is back."""
        self._channels.add(channel)
        try:
            await self._request("SUBSCRIBE", channel)
        except RedisUnavailable:
            self._schedule_reconnect()
            raise

    def unsubscribe(self, channel):
        """Written at once, so it cannot overtake a later `subscribe` of the same channel."""
        self._channels.discard(channel)
        if self._writer is not None:
            self._waiting.append(asyncio.get_running_loop().create_future())
            self._writer.write(encode(["UNSUBSCRIBE", channel]))
        # Without a connection there is nothing to undo: a reconnect subscribes `_channels` only.

    async def _connection(self):
        if self._writer is None and self._closed:
            raise RedisUnavailable("Pub/sub connection closed")
        return await super()._connection()

    async def _connected(self, writer):
        if not self._channels:
            return
        channels = sorted(self._channels)
        futures = []
        for _ in channels:
            future = asyncio.get_running_loop().create_future()
            self._waiting.append(future)
            futures.append(future)
        writer.write(b"".join(encode(["SUBSCRIBE", channel]) for channel in channels))
        await asyncio.wait_for(asyncio.gather(*futures), self._timeout)

    def _reply(self, reply):
        if not isinstance(reply, list) or not reply:
            return
        kind = reply[0]
        if kind == b"message":
            try:
                self._on_message(reply[1].decode("utf-8", "surrogateescape"), reply[2])
            except Exception:  # a listener's bug must not kill the connection
                log.exception("pub/sub listener failed")
        elif kind in (b"subscribe", b"unsubscribe") and self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)

    def _lost(self):
        if self._closed:
            return
        try:
            self._on_lost()
        except Exception:
            log.exception("pub/sub loss handler failed")
        self._schedule_reconnect()

    def _schedule_reconnect(self):
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.ensure_future(self._reconnect())

    async def _reconnect(self):
        delay = 0.05
        for _ in range(10**9):  # bounded only by close(): a replica keeps trying while it runs
            if self._closed:
                return
            try:
                await self._connection()
            except (RedisUnavailable, asyncio.TimeoutError):
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)
                continue
            return

    def close(self):
        self._closed = True
        super().close()
