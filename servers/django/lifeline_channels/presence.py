"""This process's part of presence in Redis (the layout: packages/protocol/redis/presence_functions.lua).

What this process's connections are is known here; Redis holds what every process announced. A
write Redis does not confirm (it is away, or the command timed out) is made again from the local
state on the next heartbeat, so Redis ends up right whichever way the failed write went. A process
whose liveness key expired while it lived (Redis was away, the process stalled) was removed by the
others: it announces its connections again."""
import asyncio
import logging

from .jsontext import dumps, loads
from .refused import unavailable
from .resp import RedisError, RedisUnavailable

log = logging.getLogger("lifeline")


class PresenceChange:
    """One announced change: `action` join/update/leave, `version`, `member` {sub, connections, data?}."""

    __slots__ = ("action", "version", "member")

    def __init__(self, action, version, member):
        self.action = action
        self.version = version
        self.member = member


def change_from_fanout(fanout):
    """A parsed fan-out payload `{"p":{"a","v","m"}}` as a PresenceChange."""
    change = fanout["p"]
    return PresenceChange(change["a"], int(change["v"]), change["m"])


def _around(name):
    """The two halves of a key name around its variable part, for the sweep script to rebuild it."""
    return name("\0").split("\0")


class Presence:
    def __init__(self, keys, client, scripts, replica, ttl_ms, ready):
        """`scripts`: the Lua scripts by name (`lua_scripts.load_scripts`)."""
        self._keys = keys
        self._scripts = scripts
        self._client = client
        self._replica = replica
        self._ttl_ms = ttl_ms
        self._ready = ready
        self._local = {}  # channel -> {connection: (sub, data JSON or '')}
        self._unsure = {}  # (channel, connection) -> sub: writes Redis did not confirm
        self._sweep_names = [*_around(keys.presence), *_around(keys.fanout), *_around(keys.presence_channels), *_around(keys.alive)]
        self._alive = False
        self._beat = None
        self._timer = None

    def start(self):
        """Heartbeat every third of the ttl, so the liveness key never lapses while the process lives."""
        if self._timer is None:
            self._timer = asyncio.ensure_future(self._run())

    async def _run(self):
        while True:
            await asyncio.sleep(max(0.001, self._ttl_ms / 3000))
            try:
                await self.heartbeat()
            except Exception:
                # The beat must go on: a stopped one would let the others take this process for dead.
                log.exception("presence heartbeat failed")

    async def _eval(self, name, keys, args):
        return await self._scripts[name].run(self._client, keys, args)

    async def join(self, channel, connection, sub, data):
        """Adds a local connection (`data`: JSON text or ''); raises Refused UNAVAILABLE when Redis
        did not confirm it (the caller then leaves, which is written again later if need be)."""
        if not self._ready():
            raise unavailable("Cannot join presence now: Redis is unreachable; retry")
        entry = (sub, data)
        self._local.setdefault(channel, {})[connection] = entry
        # A process is listed among the living before its first connection is written.
        if not self._alive:
            await self.heartbeat()
        if self._local.get(channel, {}).get(connection) is not entry:
            return  # left while the heartbeat ran
        try:
            await self._write(channel, connection, sub)
        except (RedisUnavailable, RedisError) as error:
            self._unsure[(channel, connection)] = sub
            log.warning("Redis presence join failed: %s", error)
            raise unavailable("Redis did not confirm the presence join; retry") from None

    def leave(self, channel, connection):
        """Removes a local connection; never fails (an unconfirmed leave is written again later)."""
        connections = self._local.get(channel)
        if not connections or connection not in connections:
            return
        sub = connections.pop(connection)[0]
        if not connections:
            del self._local[channel]
        if not self._ready():
            self._unsure[(channel, connection)] = sub
            return

        async def write():
            try:
                await self._write(channel, connection, sub)
            except (RedisUnavailable, RedisError) as error:
                self._unsure[(channel, connection)] = sub
                log.warning("Redis presence leave failed, retrying: %s", error)

        asyncio.ensure_future(write())

    async def members(self, channel):
        """`(version, [member, …])` of the channel now."""
        if not self._ready():
            raise unavailable("Cannot read presence now: Redis is unreachable; retry")
        try:
            version, members = await self._eval("presence_members", [self._keys.presence(channel)], [])
        except (RedisUnavailable, RedisError) as error:
            log.warning("Redis presence read failed: %s", error)
            raise unavailable("Redis did not answer the presence read; retry") from None
        return int(version), loads(members.decode("utf-8", "surrogatepass") if isinstance(members, bytes) else members)

    async def heartbeat(self):
        """Renews the liveness key, writes again what Redis did not confirm, and removes the presence
        of processes whose key expired. One at a time."""
        if self._beat is None or self._beat.done():
            self._beat = asyncio.ensure_future(self._heartbeat())
        await asyncio.shield(self._beat)

    async def _heartbeat(self):
        if not self._ready():
            return
        keys, replica = self._keys, self._replica
        try:
            existed = await self._eval("presence_heartbeat", [keys.alive(replica), keys.presence_replicas], [replica, self._ttl_ms])
            if existed == 0 and self._alive:
                # Taken for dead meanwhile: the others removed what this process had announced.
                for channel, connections in self._local.items():
                    for connection, (sub, _) in connections.items():
                        self._unsure[(channel, connection)] = sub
            self._alive = True
            for (channel, connection), sub in list(self._unsure.items()):
                del self._unsure[(channel, connection)]
                try:
                    await self._write(channel, connection, sub)
                except BaseException:
                    self._unsure[(channel, connection)] = sub
                    raise
            await self._eval("presence_sweep", [keys.presence_replicas], [replica, "", *self._sweep_names])
        except (RedisUnavailable, RedisError) as error:
            log.warning("Redis presence heartbeat failed: %s", error)

    async def close(self):
        """Takes this process's connections out of presence at once (best effort, on shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
        self._local.clear()
        self._unsure.clear()
        if not self._ready() or not self._alive:
            return
        try:
            await self._eval("presence_sweep", [self._keys.presence_replicas], [self._replica, self._replica, *self._sweep_names])
            await self._client.execute("DEL", self._keys.alive(self._replica))
        except (RedisUnavailable, RedisError) as error:
            # The others remove it once its liveness key expires.
            log.warning("Redis presence cleanup on close failed: %s", error)

    def _write(self, channel, connection, sub):
        """Writes what the local state says of one connection: joined (with its data) or not."""
        keys = self._keys
        connections = self._local.get(channel)
        entry = connections.get(connection) if connections else None
        data = entry[1] if entry else ""
        last = "0" if entry or connections else "1"
        return self._eval("presence_set", [keys.presence(channel)], [
            self._replica, connection, sub, "join" if entry else "leave", data, keys.fanout(channel),
            keys.presence_channels(self._replica), channel, last,
        ])


def presence_data(request):
    """The JSON text a connection joins with ('' for none)."""
    return dumps(request["data"]) if "data" in request else ""
