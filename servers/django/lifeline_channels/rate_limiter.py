"""A token bucket per connection."""
import math
import time


class TokenBucket:
    """`take()` answers 0 when allowed, or the milliseconds until a command would be allowed again."""

    def __init__(self, per_second, burst, clock=time.monotonic):
        self._per_second = per_second
        self._burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def take(self):
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._per_second)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0
        return math.ceil((1 - self._tokens) * 1000 / self._per_second)
