"""One session's heartbeat: pings a quiet client and finds a dead one.

The beat (the `ping` frame and the transport's keepalive) is skipped while the client has sent any
frame of its own within the last interval: a client that pings on its own already proves both
directions, so an idle connection carries about one small frame per interval instead of two. A
`pong` is not a frame of the client's own: counting it would skip every other beat of a client that
only answers. A quiet client is still pinged at every beat, and one that sends nothing at all, not
even a pong, from a ping to the next beat is dead.
"""
import math


class Heartbeat:
    def __init__(self, loop, interval_ms, beat, dead=None):
        """`beat()` pings the client; `dead()` (None: never) ends a client that stopped answering."""
        self._loop = loop
        self._interval_s = interval_ms / 1000
        self._beat = beat
        self._dead = dead
        self._last_heard = -math.inf
        self._unanswered = False  # a ping went out and no frame came since
        self._timer = None
        self._stopped = False

    def heard(self):
        """The client sent a frame of its own now."""
        self._last_heard = self._loop.time()
        self._unanswered = False

    def answered(self):
        """The client answered a ping now (`pong`): alive, but the next beat stays due."""
        self._unanswered = False

    def start(self):
        self._timer = self._loop.call_later(self._interval_s, self._tick)

    def stop(self):
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self):
        if self._unanswered and self._dead is not None:
            self._timer = None
            self._dead()
            return
        if self._loop.time() - self._last_heard >= self._interval_s:
            self._unanswered = True
            self._beat()
        if not self._stopped:  # the beat may have ended the session (a send that failed)
            self._timer = self._loop.call_later(self._interval_s, self._tick)
