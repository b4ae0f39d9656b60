"""One connection to Redis, opened on demand and read by one task, the base of `RedisClient` and
`PubSub`.

Why not `redis.asyncio`: the Debian release (4.3) can hand a cancelled command's reply to the next
caller on the same connection. Here one reader task owns each connection and pairs replies with
requests in order, so a caller that gives up (timeout, cancelled task) never desynchronises it.
"""
import asyncio
import collections

from .resp import RedisUnavailable, encode, open_connection, parse_url, read_reply


class RedisConnection:
    #: How the connection is named in errors.
    name = "Redis"

    def __init__(self, url, timeout_s=5.0):
        self._params = parse_url(url)
        self._timeout = timeout_s
        self._writer = None
        self._connecting = None
        #: Futures of the requests written and not answered yet, in the order Redis answers them.
        self._waiting = collections.deque()
        self.last_error = None

    @property
    def connected(self):
        return self._writer is not None

    async def _request(self, *args):
        """Writes one command and waits for the reply that answers it (an error reply is returned,
        not raised); RedisUnavailable when Redis cannot be reached or does not answer in time."""
        writer = await self._connection()
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        writer.write(encode(args))
        try:
            return await asyncio.wait_for(future, self._timeout)
        except asyncio.TimeoutError:
            raise RedisUnavailable(f"{self.name} did not answer {args[0]} within {self._timeout} s") from None

    async def _connection(self):
        """The open connection; concurrent callers share one connection attempt."""
        if self._writer is not None:
            return self._writer
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done():
                self._connecting = None

    async def _connect(self):
        try:
            reader, writer = await open_connection(self._params, self._timeout)
        except RedisUnavailable as error:
            self.last_error = str(error)
            raise
        self._writer = writer
        self.last_error = None
        asyncio.ensure_future(self._read(reader, writer))
        await self._connected(writer)
        return writer

    async def _connected(self, writer):
        """Runs once a new connection is open, before its first caller gets it."""

    def _reply(self, reply):
        """One reply read from the connection."""
        raise NotImplementedError

    def _lost(self):
        """The connection broke or was closed; the waiting requests have failed."""

    async def _read(self, reader, writer):
        try:
            while True:
                self._reply(await read_reply(reader))
        except (OSError, asyncio.IncompleteReadError, RedisUnavailable, IndexError) as error:
            # IndexError: a reply nobody asked for; the connection can no longer be trusted.
            self.last_error = f"{self.name} connection lost: {error or type(error).__name__}"
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()
            waiting, self._waiting = self._waiting, collections.deque()
            for future in waiting:
                if not future.done():
                    future.set_exception(RedisUnavailable(self.last_error or f"{self.name} connection closed"))
            self._lost()

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
