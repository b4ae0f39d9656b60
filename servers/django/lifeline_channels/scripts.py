"""Lua scripts run atomically inside Redis.

Keys of a channel: `<prefix>{<channel>}:meta` (hash `epoch`, `offset`) and `<prefix>{<channel>}:log`
(a stream, entry id `<offset>-0`, fields `t` = Redis time in ms and `m` = the stored message
`{"event","data","publisher"}` JSON, `publisher` being the token `sub` or null for the server).
Both scripts create the channel's epoch when it is missing (first use, Redis restarted empty, key
evicted), so an epoch changes exactly when the history behind it is gone. The epoch candidate comes
from the caller because scripts have no good randomness of their own. Both begin with
`lua/epoch_and_clock.lua` (the epoch, created when missing, and Redis' clock in ms as `now`).
"""
from .lua_scripts import lua

#: Publish: idempotency check, position (HINCRBY) and append (XADD), trim by count and age, fan-out.
#: PUBLISH inside the script means every process hears a channel's messages in offset order, and
#: a message is never in history without having been fanned out. The time is Redis' clock, so
#: every process stamps `meta.time` by one clock and times follow offsets.
#: KEYS: meta, log, [idempotency key]
#: ARGV: epoch candidate, stored message JSON, history size, history ttl ms, idempotency window ms,
#:       fan-out channel
#: Returns {epoch, offset, duplicate (0|1)}. The fan-out payload is `{"e","o","t","m"}`: epoch,
#: offset, time in ms and the stored message.
PUBLISH = lua("epoch_and_clock", "publish")

#: History: the channel's position and, with a `since` in the same epoch whose successor is still
#: stored and younger than the ttl, the messages after it. Entries are contiguous (trimming only
#: cuts the oldest), so the n-th message returned has offset from + n. A `since` of an epoch Redis
#: no longer has (it restarted empty, or lost the key) is not recovered, but when the stream still
#: holds the current epoch from offset 1, all of it comes back with `from` 0: messages published
#: since Redis came back reach the client, which reports only the old epoch's loss.
#: Without a `since`, a rewind of n returns the last n messages still stored and younger than the
#: ttl (fewer when history holds fewer), `from` being the offset just before the first of them.
#: KEYS: meta, log
#: ARGV: epoch candidate, since epoch ('' for none), since offset, history ttl ms, rewind (0: none)
#: Returns {epoch, offset, recovered (0|1), messages JSON[], from (-1: no replay), times (ms)[]}
HISTORY = lua("epoch_and_clock", "history")


class RedisKeys:
    """Names of the Redis keys and pub/sub channels of one deployment (all under one prefix)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.fanout_prefix = f"{prefix}fanout:"

    def meta(self, channel):
        return f"{self.prefix}{{{channel}}}:meta"

    def log(self, channel):
        return f"{self.prefix}{{{channel}}}:log"

    def idempotency(self, publisher, key):
        """Keys are scoped per publisher (`user:<sub>`, or `server`), not per channel, named as the
        mock server names them."""
        return f"{self.prefix}key:{len(publisher)}:{publisher}:{key}"

    def presence(self, channel):
        """Hash of the channel's presence (see `presence_scripts`)."""
        return f"{self.prefix}{{{channel}}}:presence"

    def presence_channels(self, replica):
        """Set of the channels where a process has connections in presence."""
        return f"{self.prefix}presence:channels:{replica}"

    @property
    def presence_replicas(self):
        """Set of the processes that have had connections in presence (dead ones go when swept)."""
        return f"{self.prefix}presence:replicas"

    def alive(self, replica):
        """Expiring key a process renews while it lives; once it is gone, its presence is removed."""
        return f"{self.prefix}presence:alive:{replica}"

    def ticket(self, ticket):
        return f"{self.prefix}ticket:{ticket}"

    def fanout(self, channel):
        return f"{self.fanout_prefix}{channel}"

    def channel_of(self, fanout):
        return fanout[len(self.fanout_prefix):] if fanout.startswith(self.fanout_prefix) else None

    def session(self, session_id):
        """Pub/sub channel where the process holding a session receives commands routed to it."""
        return f"{self.prefix}session:{session_id}"

    def replica(self, replica_id):
        """Pub/sub channel where a process receives the answers to the requests it routed."""
        return f"{self.prefix}replica:{replica_id}"
