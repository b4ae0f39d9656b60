"""RESP2, the Redis wire format: encoding commands, reading replies, opening a connection.

The server processes speak to Redis with a small asyncio client of their own (`RedisClient`,
`PubSub`, over `RedisConnection`) rather than `redis.asyncio`: see `redis_connection`.
"""
import asyncio
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


async def open_connection(params, timeout):
    """A connection authenticated and on its database; RedisUnavailable when that fails."""
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
