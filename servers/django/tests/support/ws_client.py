"""A minimal asyncio WebSocket client (RFC 6455): text frames, close codes, automatic pong."""
import asyncio
import base64
import os
import struct
from urllib.parse import urlparse


class HandshakeRefused(Exception):
    def __init__(self, status):
        super().__init__(f"WebSocket upgrade refused with HTTP {status}")
        self.status = status


class Closed(Exception):
    def __init__(self, code):
        super().__init__(f"WebSocket closed with {code}")
        self.code = code


class WebSocket:
    def __init__(self, reader, writer):
        self._reader = reader
        self._writer = writer
        self.close_code = None

    @classmethod
    async def connect(cls, url, origin=None):
        parsed = urlparse(url)
        reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port, limit=2**24)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {parsed.path} HTTP/1.1", f"Host: {parsed.netloc}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if origin:
            lines.append(f"Origin: {origin}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = int((await reader.readline()).split()[1])
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        if status != 101:
            writer.close()
            raise HandshakeRefused(status)
        return cls(reader, writer)

    def send_text(self, text):
        self._frame(0x1, text.encode("utf-8"))

    def send_binary(self, data):
        self._frame(0x2, data)

    def _frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if length < 4096 else _mask_fast(payload, mask)
        self._writer.write(header + mask + masked)

    async def recv_text(self):
        """The next text message; raises Closed at the close frame (or EOF, as 1006)."""
        message = b""
        while True:
            try:
                head = await self._reader.readexactly(2)
                length = head[1] & 0x7F
                if length == 126:
                    length = struct.unpack("!H", await self._reader.readexactly(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", await self._reader.readexactly(8))[0]
                payload = await self._reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close_code = self.close_code or 1006
                raise Closed(self.close_code) from None
            opcode = head[0] & 0x0F
            if opcode == 0x8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise Closed(self.close_code)
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if head[0] & 0x80:
                return message.decode("utf-8")

    def close(self):
        try:
            self._frame(0x8, struct.pack("!H", 1000))
        except Exception:
            pass
        self._writer.close()


def _mask_fast(payload, mask):
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")
