"""A session's commands, answered one at a time so replies leave in the order the commands arrived."""
import asyncio
import collections
import logging

from .refused import UNAVAILABLE_RETRY_MS, Refused
from .replies import fail
from .resp import RedisError, RedisUnavailable

log = logging.getLogger("lifeline")


class CommandQueue:
    def __init__(self, name, reply, is_closed):
        """`reply(command_id, outcome)` sends an answer; `is_closed()` stops the queue."""
        self._name = name
        self._reply = reply
        self._is_closed = is_closed
        self._queue = collections.deque()
        self._worker = None

    def put(self, command_id, answer):
        """`answer()` is a coroutine function returning the outcome, or None when it replied itself."""
        self._queue.append((command_id, answer))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._drain())

    def clear(self):
        self._queue.clear()

    async def _drain(self):
        while self._queue and not self._is_closed():
            command_id, answer = self._queue.popleft()
            try:
                outcome = await answer()
            except Refused as refused:
                outcome = {"ok": False, "error": refused.body()}
            except (RedisUnavailable, RedisError) as error:
                log.warning("command %s of %s failed: %s", command_id, self._name, error)
                outcome = fail("UNAVAILABLE", "Redis is unavailable; retry", UNAVAILABLE_RETRY_MS)
            except Exception:
                log.exception("command %s of %s failed", command_id, self._name)
                outcome = fail("INTERNAL", "The server failed to handle this command")
            if outcome is not None:
                self._reply(command_id, outcome)
