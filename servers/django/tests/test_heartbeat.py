"""The heartbeat on a clock of the test's own: skipped while the client talks, still finding a
dead client."""
import heapq
import itertools

from lifeline_channels.heartbeat import Heartbeat

INTERVAL_MS = 1000


class ManualLoop:
    """`time()` and `call_later()` of an event loop, advanced by the test."""

    def __init__(self):
        self.now = 0.0
        self._timers = []
        self._order = itertools.count()

    def time(self):
        return self.now

    def call_later(self, delay, callback):
        timer = Timer(self.now + delay, callback)
        heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer

    def advance_to(self, when):
        """Runs every timer due by `when`, in order, then sets the clock to `when`."""
        for _ in range(10_000):
            if not self._timers or self._timers[0][0] > when:
                break
            due, _, timer = heapq.heappop(self._timers)
            self.now = due
            if not timer.cancelled:
                timer.callback()
        self.now = when


class Timer:
    def __init__(self, when, callback):
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self):
        self.cancelled = True


class Client:
    """What the heartbeat did to one client: pings sent (at which times) and whether it was ended."""

    def __init__(self, loop, finds_dead=True):
        self.loop = loop
        self.pings = []
        self.dead_at = None
        self.heartbeat = Heartbeat(loop, INTERVAL_MS, self._ping, self._dead if finds_dead else None)
        self.heartbeat.start()

    def _ping(self):
        self.pings.append(self.loop.time())

    def _dead(self):
        self.dead_at = self.loop.time()


def test_a_client_that_sends_a_frame_within_every_interval_is_never_pinged():
    loop = ManualLoop()
    client = Client(loop)
    for n in range(1, 30):
        loop.advance_to(n * 0.9)  # the client pings on its own, a little more often than the server would
        client.heartbeat.heard()
    assert client.pings == [] and client.dead_at is None


def test_a_quiet_client_is_pinged_at_the_first_beat():
    loop = ManualLoop()
    client = Client(loop)
    loop.advance_to(1.0)
    assert client.pings == [1.0]


def test_a_client_that_only_answers_pings_is_pinged_every_beat_and_stays_alive():
    loop = ManualLoop()
    client = Client(loop)
    for beat in range(1, 11):
        loop.advance_to(float(beat))
        assert client.pings[-1] == loop.time()
        loop.advance_to(beat + 0.01)  # the pong, one round trip later
        client.heartbeat.answered()
    # A pong is no frame of the client's own: no beat is skipped for it.
    assert client.pings == [float(beat) for beat in range(1, 11)]
    assert client.dead_at is None


def test_a_client_whose_pongs_stop_is_found_dead_at_the_beat_after_the_unanswered_ping():
    loop = ManualLoop()
    client = Client(loop)
    for beat in (1.0, 2.0):
        loop.advance_to(beat)
        loop.advance_to(beat + 0.01)
        client.heartbeat.answered()
    loop.advance_to(10.0)
    assert client.pings == [1.0, 2.0, 3.0]
    assert client.dead_at == 4.0


def test_a_client_that_stops_answering_is_pinged_then_found_dead_at_the_next_beat():
    loop = ManualLoop()
    client = Client(loop)
    loop.advance_to(0.5)
    client.heartbeat.heard()  # its last frame
    loop.advance_to(10.0)
    assert client.pings == [2.0]
    assert client.dead_at == 3.0


def test_without_a_dead_handler_a_silent_client_is_pinged_at_every_beat():
    # SSE and long-polling: the stream or the polls end such a session, not the heartbeat.
    loop = ManualLoop()
    client = Client(loop, finds_dead=False)
    loop.advance_to(4.0)
    assert client.pings == [1.0, 2.0, 3.0, 4.0] and client.dead_at is None


def test_a_stopped_heartbeat_pings_no_more():
    loop = ManualLoop()
    client = Client(loop)
    loop.advance_to(1.0)
    client.heartbeat.stop()
    loop.advance_to(5.0)
    assert client.pings == [1.0] and client.dead_at is None
