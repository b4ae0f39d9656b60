"""The Redis key layout, the same as the mock server's, so both backends share channels and presence.

Keys of a channel: `<prefix>{<channel>}:meta` (hash `epoch`, `offset`) and `<prefix>{<channel>}:log`
(a stream, entry id `<offset>-0`, fields `t` = Redis time in ms and `m` = the stored message
`{"event","data","publisher"}` JSON, `publisher` being the token `sub` or null for the server).
The Lua scripts that read and write them (`lua_scripts`) create the channel's epoch when it is
missing (first use, Redis restarted empty, key evicted), so an epoch changes exactly when the
history behind it is gone.
"""


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
        """Hash of the channel's presence (its layout: packages/protocol/redis/presence_functions.lua)."""
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
