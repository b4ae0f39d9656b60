"""A small asyncio Redis client (RESP2): one pipelined command connection and one pub/sub connection.

Why not `redis.asyncio`: the Debian release (4.3) can hand a cancelled command's reply to the next
caller on the same connection. Here one reader task owns each connection and pairs replies with
requests in order, so a caller that gives up (timeout, cancelled task) never desynchronises it.
"""
import asyncio
import logging
import collections
from urllib.parse import unquote, urlparse


class RedisError(Exception):
    """An error reply from Redis (`-ERR …`)."""


class RedisUnavailable(Exception):
    """Redis cannot be reached, or the connection broke before the reply arrived."""


def parse_url(url):
    """`redis://[[user]:password@]host[:port][/db]` as connection parameters."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", ""):
        raise ValueError(f"Only redis:// URLs are supported, got {url!r}")
    db = (parsed.path or "/0").lstrip("/") or "0"
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(db),
        "username": unquote(parsed.username) if parsed.username else None,
        "password": unquote(parsed.password) if parsed.password else None,
    }


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bytes):
            data = arg
        elif isinstance(arg, str):
            data = arg.encode("utf-8", "surrogatepass")
        else:
            data = str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


async def read_reply(reader):
    """One RESP2 value: bytes, int, str (status), None, list, or a RedisError instance (not raised)."""
    line = await reader.readuntil(b"\r\n")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        return RedisError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        length = int(rest)
        if length < 0:
            return None
        data = await reader.readexactly(length + 2)
        return data[:-2]
    if kind == b"*":
        count = int(rest)
        if count < 0:
            return None
        return [await read_reply(reader) for _ in range(count)]
    raise RedisUnavailable(f"Unexpected reply from Redis: {line[:40]!r}")


async def _open(params, timeout):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(params["host"], params["port"], limit=2**20), timeout)
    except (OSError, asyncio.TimeoutError) as error:
        raise RedisUnavailable(f"Cannot connect to Redis at {params['host']}:{params['port']}: {error}") from None
    setup = []
    if params["password"]:
        setup.append(["AUTH", params["username"], params["password"]] if params["username"] else ["AUTH", params["password"]])
    if params["db"]:
        setup.append(["SELECT", params["db"]])
    try:
        for command in setup:
            writer.write(encode(command))
            reply = await asyncio.wait_for(read_reply(reader), timeout)
            if isinstance(reply, RedisError):
                raise RedisUnavailable(f"Redis refused {command[0]}: {reply}")
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as error:
        writer.close()
        raise RedisUnavailable(f"Redis connection failed during setup: {error}") from None
    return reader, writer


class RedisClient:
    """Pipelined commands over one connection, (re)opened on demand."""

    def __init__(self, url, timeout_s=5.0):
        self._params = parse_url(url)
        self._timeout = timeout_s
        self._writer = None
        self._pending = collections.deque()
        self._connecting = None
        self.last_error = None

    @property
    def connected(self):
        return self._writer is not None

    async def execute(self, *args):
        """Runs one command; raises RedisError for an error reply, RedisUnavailable when unreachable."""
        writer = await self._connection()
        future = asyncio.get_running_loop().create_future()
        self._pending.append(future)
        writer.write(encode(args))
        try:
            reply = await asyncio.wait_for(future, self._timeout)
        except asyncio.TimeoutError:
            raise RedisUnavailable(f"Redis did not answer {args[0]} within {self._timeout} s") from None
        if isinstance(reply, RedisError):
            raise reply
        return reply

    async def _connection(self):
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
            reader, writer = await _open(self._params, self._timeout)
        except RedisUnavailable as error:
            self.last_error = str(error)
            raise
        self._writer = writer
        self.last_error = None
        asyncio.ensure_future(self._read(reader, writer))
        return writer

    async def _read(self, reader, writer):
        try:
            while True:
                reply = await read_reply(reader)
                future = self._pending.popleft()
                if not future.done():
                    future.set_result(reply)
        except (OSError, asyncio.IncompleteReadError, RedisUnavailable, IndexError) as error:
            self.last_error = f"Redis connection lost: {error or type(error).__name__}"
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()
            pending, self._pending = self._pending, collections.deque()
            for future in pending:
                if not future.done():
                    future.set_exception(RedisUnavailable(self.last_error or "Redis connection closed"))

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class PubSub:
    """One subscriber connection. `subscribe` resolves once Redis confirmed the subscription, so a
    read that follows cannot miss a publication. When the connection breaks it calls `on_lost`
    (publications from then on are lost, and the owner must say so), then reconnects with backoff
    and subscribes again to every channel still wanted."""

    def __init__(self, url, on_message, on_lost, timeout_s=5.0):
        self._params = parse_url(url)
        self._timeout = timeout_s
        self._on_message = on_message
        self._on_lost = on_lost
        self._channels = set()
        self._writer = None
        self._confirmations = collections.deque()
        self._connecting = None
        self._closed = False
        self._reconnecting = None
        self.last_error = None

    @property
    def connected(self):
        return self._writer is not None

    async def subscribe(self, channel):
        """Raises RedisUnavailable when Redis is away; the channel stays wanted, and the background
        reconnect subscribes it once Redis is back."""
        self._channels.add(channel)
        try:
            await self._command("SUBSCRIBE", channel)
        except RedisUnavailable:
            self._schedule_reconnect()
            raise

    def unsubscribe(self, channel):
        """Written at once, so it cannot overtake a later `subscribe` of the same channel."""
        self._channels.discard(channel)
        if self._writer is not None:
            self._confirmations.append(asyncio.get_running_loop().create_future())
            self._writer.write(encode(["UNSUBSCRIBE", channel]))
        # Without a connection there is nothing to undo: a reconnect subscribes `_channels` only.

    async def _command(self, *args):
        writer = await self._ensure()
        future = asyncio.get_running_loop().create_future()
        self._confirmations.append(future)
        writer.write(encode(args))
        try:
            await asyncio.wait_for(asyncio.shield(future), self._timeout)
        except asyncio.TimeoutError:
            raise RedisUnavailable(f"Redis did not confirm {args[0]} within {self._timeout} s") from None

    async def _ensure(self):
        if self._writer is not None:
            return self._writer
        if self._closed:
            raise RedisUnavailable("Pub/sub connection closed")
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
            reader, writer = await _open(self._params, self._timeout)
        except RedisUnavailable as error:
            self.last_error = str(error)
            raise
        self._writer = writer
        self.last_error = None
        asyncio.ensure_future(self._read(reader, writer))
        if self._channels:
            channels = sorted(self._channels)
            futures = []
            for channel in channels:
                future = asyncio.get_running_loop().create_future()
                self._confirmations.append(future)
                futures.append(future)
            writer.write(b"".join(encode(["SUBSCRIBE", channel]) for channel in channels))
            await asyncio.wait_for(asyncio.gather(*futures), self._timeout)
        return writer

    async def _read(self, reader, writer):
        try:
            while True:
                reply = await read_reply(reader)
                if not isinstance(reply, list) or not reply:
                    continue
                kind = reply[0]
                if kind == b"message":
                    try:
                        self._on_message(reply[1].decode("utf-8", "surrogateescape"), reply[2])
                    except Exception:  # a listener's bug must not kill the connection
                        logging.getLogger("lifeline").exception("pub/sub listener failed")
                elif kind in (b"subscribe", b"unsubscribe") and self._confirmations:
                    future = self._confirmations.popleft()
                    if not future.done():
                        future.set_result(None)
        except (OSError, asyncio.IncompleteReadError, RedisUnavailable) as error:
            self.last_error = f"Redis pub/sub connection lost: {error or type(error).__name__}"
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()
            confirmations, self._confirmations = self._confirmations, collections.deque()
            for future in confirmations:
                if not future.done():
                    future.set_exception(RedisUnavailable(self.last_error or "Redis pub/sub connection closed"))
            if not self._closed:
                try:
                    self._on_lost()
                except Exception:
                    logging.getLogger("lifeline").exception("pub/sub loss handler failed")
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
                await self._ensure()
            except (RedisUnavailable, asyncio.TimeoutError):
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)
                continue
            return

    def close(self):
        self._closed = True
        if self._writer is not None:
            self._writer.close()
            self._writer = None
