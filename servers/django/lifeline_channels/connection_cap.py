"""Open connections per client address, capped, so one address cannot take every socket."""
import collections


def is_loopback(address):
    return address == "::1" or address.startswith("127.") or address.startswith("::ffff:127.")


class ConnectionCap:
    """Loopback peers are not counted: there the peer is a reverse proxy on the same host (every
    user would share its address; cap in the proxy) or a test."""

    def __init__(self, limit):
        self._limit = limit
        self._open = collections.Counter()

    def admit(self, peer):
        """Counts a connection from `peer`; `False` (not counted) when it is one too many."""
        if peer is None or is_loopback(peer):
            return True
        if self._open[peer] >= self._limit:
            return False
        self._open[peer] += 1
        return True

    def release(self, peer):
        if peer is None or is_loopback(peer):
            return
        self._open[peer] -= 1
        if self._open[peer] <= 0:
            del self._open[peer]
