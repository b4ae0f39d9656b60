"""Pipelined Redis commands over one connection, (re)opened on demand."""
from .redis_connection import RedisConnection
from .resp import RedisError


class RedisClient(RedisConnection):
    async def execute(self, *args):
        """Runs one command; raises RedisError for an error reply, RedisUnavailable when unreachable."""
        reply = await self._request(*args)
        if isinstance(reply, RedisError):
            raise reply
        return reply

    def _reply(self, reply):
        future = self._waiting.popleft()
        if not future.done():
            future.set_result(reply)
