"""Protocol clients for the tests, one per transport, with one interface: `command()` sends a
command and returns its reply (frames in between stay queued), `frame()` returns the next frame."""
import asyncio
import collections
import json

from .http_client import request, stream
from .ws_client import Closed, WebSocket

WAIT_S = 10


class ProtocolClient:
    def __init__(self):
        self._queue = collections.deque()
        self._next_id = 1
        self.skip_pings = True
        self.session = None
        self.connect_reply = None

    async def frame(self, timeout=WAIT_S):
        """The next frame (pings skipped unless `skip_pings` is off)."""
        async def next_frame():
            while True:
                if self._queue:
                    return self._queue.popleft()
                for frame in await self._read():
                    if frame["type"] == "ping" and self.skip_pings:
                        self._on_ping()
                        continue
                    self._queue.append(frame)

        return await asyncio.wait_for(next_frame(), timeout)

    async def command(self, type, timeout=WAIT_S, **fields):
        command_id = self._next_id
        self._next_id += 1
        await self._send({"id": command_id, "type": type, **fields})
        return await self.reply(command_id, timeout)

    async def reply(self, command_id, timeout=WAIT_S):
        """The reply to `command_id`; other frames stay queued, in order."""
        async def find():
            held = []
            try:
                while True:
                    frame = await self.frame(timeout)
                    if frame["type"] == "reply" and frame["id"] == command_id:
                        return frame
                    held.append(frame)
            finally:
                self._queue.extendleft(reversed(held))

        return await asyncio.wait_for(find(), timeout)

    async def messages(self, count, timeout=WAIT_S):
        """The next `count` channel messages (other frames are dropped)."""
        found = []
        while len(found) < count:
            frame = await self.frame(timeout)
            if frame["type"] == "message":
                found.append(frame)
        return found

    def _on_ping(self):
        pass


class WsClient(ProtocolClient):
    def __init__(self, socket):
        super().__init__()
        self.socket = socket

    @classmethod
    async def open(cls, server, token=None, origin=None, connect=True):
        client = cls(await WebSocket.connect(server.ws_url, origin))
        if connect:
            client.connect_reply = await client.command("connect", v=1, token=token)
            if client.connect_reply["ok"]:
                client.session = client.connect_reply["result"]["session"]
        return client

    async def _send(self, frame):
        self.socket.send_text(json.dumps(frame))

    def send_raw(self, text):
        self.socket.send_text(text)

    async def _read(self):
        return [json.loads(await self.socket.recv_text())]

    def _on_ping(self):
        self.socket.send_text('{"type":"pong"}')

    async def closed(self, timeout=WAIT_S):
        """Reads until the server closes; returns (frames seen, close code)."""
        seen = []

        async def until_closed():
            try:
                while True:
                    seen.append(await self.frame(timeout))
            except Closed as closed:
                return seen, closed.code

        return await asyncio.wait_for(until_closed(), timeout)

    def close(self):
        self.socket.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class SseClient(ProtocolClient):
    """SSE: ticket, stream, upstream POSTs (to `post_to`, another process if given)."""

    def __init__(self, server, token, stream_):
        super().__init__()
        self.server = server
        self.post_to = server
        self.token = token
        self.stream = stream_
        self.event_ids = {}
        self.heartbeat_comments = 0

    @classmethod
    async def open(cls, server, token, origin=None):
        headers = {**bearer(token), **({"Origin": origin} if origin else {})}
        ticket = await request("POST", f"{server.url}/sse/ticket", headers, {"id": 1, "type": "connect", "v": 1})
        assert ticket.status == 200, ticket.body
        opened = await stream("GET", f"{server.url}/sse?ticket={ticket.json()['ticket']}", {"Accept": "text/event-stream"})
        assert opened.status == 200
        client = cls(server, token, opened)
        client._next_id = 2
        client.connect_reply = await client.reply(1)
        client.session = client.connect_reply["result"]["session"]
        return client

    async def _read(self):
        block = await self.stream.read_block()
        if block is None:
            raise Closed(None)
        frames, event_id = [], None
        for line in block.split("\n"):
            if line.startswith(": hb"):
                self.heartbeat_comments += 1
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                frame = json.loads(line[6:])
                if event_id is not None:
                    self.event_ids[(frame.get("channel"), frame["pos"]["offset"])] = event_id
                frames.append(frame)
        return frames

    async def post(self, frame, token=None, session=None):
        headers = {**bearer(token or self.token), "Lifeline-Session": session or self.session}
        return await request("POST", f"{self.post_to.url}/sse/send", headers, frame)

    async def _send(self, frame):
        answer = await self.post(frame)
        assert answer.status == 202, (answer.status, answer.body)

    def close(self):
        self.stream.close()


class PollClient(ProtocolClient):
    """Long-polling: `POST /poll/connect`, then `POST /poll` with the last seq received."""

    def __init__(self, server, token):
        super().__init__()
        self.server = server
        self.poll_to = server
        self.token = token
        self.ack = 0

    @classmethod
    async def open(cls, server, token):
        client = cls(server, token)
        opened = await request("POST", f"{server.url}/poll/connect", bearer(token), {"id": 1, "type": "connect", "v": 1})
        assert opened.status == 200, opened.body
        body = opened.json()
        client.ack = body["seq"]
        client._queue.extend(body["frames"])
        client._next_id = 2
        client.connect_reply = await client.reply(1)
        client.session = client.connect_reply["result"]["session"]
        return client

    async def poll(self, ack=None, token=None, session=None):
        headers = {**bearer(token or self.token), "Lifeline-Session": session or self.session}
        return await request("POST", f"{self.poll_to.url}/poll", headers, {"ack": self.ack if ack is None else ack})

    async def _read(self):
        answer = await self.poll()
        if answer.status == 404:
            raise Closed(None)
        assert answer.status == 200, (answer.status, answer.body)
        body = answer.json()
        self.ack = body["seq"]
        return body["frames"]

    async def _send(self, frame):
        headers = {**bearer(self.token), "Lifeline-Session": self.session}
        answer = await request("POST", f"{self.server.url}/sse/send", headers, frame)
        assert answer.status == 202, (answer.status, answer.body)

    def close(self):
        pass
