"""One subscription of a session: where it is in the channel, and what waits for its reply."""


class Subscription:
    __slots__ = ("last", "pending", "release", "ended", "presence")

    def __init__(self, presence=False):
        self.last = None  # last position delivered: (epoch, offset)
        self.pending = []  # live publications held back while history is read; None once live
        self.release = None  # ends the fan-out and leaves presence
        self.ended = None  # why the fan-out ended while subscribing (error body)
        # When joined: `queue` holds changes heard before the snapshot went out (None after), and
        # `version` is the last one applied, so no change repeats what the snapshot shows.
        self.presence = {"queue": [], "version": 0} if presence else None

    def admit(self, publication):
        """Whether `publication` goes out now: held back until the reply, and never twice (a replay
        racing the live feed must not repeat a message)."""
        if self.pending is not None:
            self.pending.append(publication)
            return False
        last = self.last
        if last and last[0] == publication.epoch and publication.offset <= last[1]:
            return False
        self.last = (publication.epoch, publication.offset)
        return True

    def admit_presence(self, change):
        """Whether a presence change goes out now: held back until the snapshot went out, then sent
        unless the snapshot already has it."""
        state = self.presence
        if state is None:
            return False
        if state["queue"] is not None:
            state["queue"].append(change)
            return False
        if change.version <= state["version"]:
            return False
        state["version"] = change.version
        return True

    def snapshot_sent(self, version):
        """The presence snapshot of `version` went out; returns the changes heard meanwhile."""
        queued = self.presence["queue"]
        self.presence = {"queue": None, "version": version}
        return queued
