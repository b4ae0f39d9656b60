"""A minimal asyncio HTTP/1.1 client: whole responses, and streamed ones (SSE)."""
import asyncio
import json
from urllib.parse import urlparse


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


async def _open(method, url, headers, body):
    parsed = urlparse(url)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else (body or b"")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parsed.netloc}", f"Content-Length: {len(data)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    response_headers = {}
    while True:
        line = (await reader.readline()).decode("latin-1").rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    return reader, writer, status, response_headers


async def _chunks(reader, headers):
    """The body as it arrives: Content-Length, chunked, or up to EOF."""
    if "content-length" in headers:
        yield await reader.readexactly(int(headers["content-length"]))
        return
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                return
            chunk = await reader.readexactly(size + 2)
            yield chunk[:-2]
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        yield chunk


async def request(method, url, headers=None, body=None, timeout=10):
    async def run():
        reader, writer, status, response_headers = await _open(method, url, {"Connection": "close", **(headers or {})}, body)
        try:
            data = b"".join([chunk async for chunk in _chunks(reader, response_headers)])
        finally:
            writer.close()
        return Response(status, response_headers, data)

    return await asyncio.wait_for(run(), timeout)


class Stream:
    """A streamed response (for `GET /sse`): `status`, `headers`, and `events()`."""

    def __init__(self, reader, writer, status, headers):
        self.status = status
        self.headers = headers
        self._writer = writer
        self._chunks = _chunks(reader, headers)
        self._buffer = ""

    async def read_block(self):
        """The next SSE block (lines up to a blank line), or None at the end of the stream."""
        while "\n\n" not in self._buffer:
            try:
                chunk = await self._chunks.__anext__()
            except (StopAsyncIteration, asyncio.IncompleteReadError, ConnectionError):
                return None
            self._buffer += chunk.decode("utf-8")
        block, self._buffer = self._buffer.split("\n\n", 1)
        return block

    async def body(self):
        rest = self._buffer.encode() + b"".join([chunk async for chunk in self._chunks])
        self._buffer = ""
        return rest

    def close(self):
        self._writer.close()


async def stream(method, url, headers=None, body=None):
    reader, writer, status, response_headers = await _open(method, url, headers, body)
    return Stream(reader, writer, status, response_headers)
