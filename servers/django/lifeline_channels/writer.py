"""An ordered outbox over an ASGI `send`: frames queue synchronously (the session never awaits)
and one task writes them in order, everything queued in a turn as one write.

@note No send-buffer limit here: daphne's `send` hands each write to Twisted at once, so this queue
only ever holds one turn's frames (a history replay is a legitimate burst), and the socket's own
buffer is out of the application's sight.
"""
import asyncio
import collections
import logging


class Outbox:
    def __init__(self, write, finish):
        """`write(chunks)` sends queued items; `finish()` ends the response or socket."""
        self._write = write
        self._finish = finish
        self._queue = collections.deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._cut = False
        self._task = asyncio.ensure_future(self._run())

    def put(self, item):
        if self._closing:
            return
        self._queue.append(item)
        self._wake.set()

    def close(self, cut=False):
        """Finishes after what is queued; `cut` drops the queue (it is what got the client cut)."""
        self._closing = True
        if cut:
            self._cut = True
            self._queue.clear()
        self._wake.set()

    def stop(self):
        """The peer is gone: nothing more to write."""
        self._closing = True
        self._queue.clear()
        self._task.cancel()

    async def _run(self):
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._queue:
                    items = list(self._queue)
                    self._queue.clear()
                    await self._write(items)
                if self._closing and not self._queue:
                    await self._finish()
                    return
        except asyncio.CancelledError:
            pass
        except Exception:  # the peer went away mid-write; the transport reports the close
            logging.getLogger("lifeline").debug("outbox write failed", exc_info=True)
