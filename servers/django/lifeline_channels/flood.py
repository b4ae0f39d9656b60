"""When rate-limited frames stop being a burst and become a flood that ends the connection."""
import time

#: How many rate-limited frames within FLOOD_WINDOW_S turn a flood into a disconnect (4002).
FLOOD_REJECTIONS = 1000
FLOOD_WINDOW_S = 10.0
#: What a client is told to wait after a flood disconnect.
FLOOD_RETRY_MS = 5000


class FloodGuard:
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._since = 0.0
        self._rejected = 0

    def rejected(self):
        """Counts one rate-limited frame; True once they amount to a flood."""
        now = self._clock()
        if now - self._since > FLOOD_WINDOW_S:
            self._since, self._rejected = now, 0
        self._rejected += 1
        return self._rejected >= FLOOD_REJECTIONS
