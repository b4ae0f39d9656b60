"""Positions, history, idempotency and tickets in Redis (async, for the server processes)."""
import logging
import secrets

from .jsontext import dumps, loads
from .lua_scripts import load_scripts
from .publication import Publication, new_epoch, stored_message
from .redis_keys import RedisKeys
from .refused import unavailable
from .resp import RedisError, RedisUnavailable

log = logging.getLogger("lifeline")

#: The publisher scope of idempotency keys for server-side publishes (API, notify()).
SERVER_PUBLISHER = "server"


class HistoryResult:
    """`position`: the channel's latest; `replay_from`: the cursor of a replay that is not a
    recovery (an epoch the channel no longer has, the current one held whole), else None."""

    __slots__ = ("position", "recovered", "publications", "replay_from")

    def __init__(self, position, recovered, publications, replay_from=None):
        self.position = position
        self.recovered = recovered
        self.publications = publications
        self.replay_from = replay_from


def publish_call(keys, settings, channel, message, key, publisher, author=None):
    """Keys and arguments of the publish script. `publisher` scopes the idempotency key; `author`
    is the token `sub` stamped as `meta.publisher` (None: the server published)."""
    script_keys = [keys.meta(channel), keys.log(channel)]
    if key is not None:
        script_keys.append(keys.idempotency(publisher, key))
    args = [new_epoch(), stored_message(message, author), settings.history_size, settings.history_ttl_ms, settings.idempotency_window_ms, keys.fanout(channel)]
    return script_keys, args


def publish_outcome(reply):
    epoch, offset, duplicate = reply
    return {"position": {"epoch": _text(epoch), "offset": int(offset)}, "duplicate": bool(duplicate)}


def _text(value):
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


class Broker:
    """What the sessions need from Redis, over the process's command connection."""

    def __init__(self, settings, client, ready=lambda: True):
        """`ready()` says whether fan-out works (the pub/sub link is up): without it nothing is
        published or subscribed, so nothing reaches only some subscribers."""
        self.settings = settings
        self.client = client
        self._ready = ready
        self.keys = RedisKeys(settings.key_prefix)
        self._scripts = load_scripts(settings.lua_dir)

    async def _script(self, name, keys, args, failure):
        if not self._ready():
            raise unavailable("This server lost its connection to Redis; retry")
        try:
            return await self._scripts[name].run(self.client, keys, args)
        except (RedisUnavailable, RedisError) as error:
            log.warning("Redis %s failed: %s", name, error)
            raise unavailable(failure) from None

    async def _command(self, failure, *args):
        try:
            return await self.client.execute(*args)
        except (RedisUnavailable, RedisError) as error:
            log.warning("Redis %s failed: %s", args[0], error)
            raise unavailable(failure) from None

    async def publish(self, channel, message, key=None, publisher=SERVER_PUBLISHER, author=None):
        """Appends `message` (see `payload.encode_publication`) at the channel's next position, stamped
        with `author` (a client's `sub`, None for the server) and Redis' time, and fans it out; a
        repeated `key` of the same publisher within the window returns the first outcome, duplicate."""
        keys, args = publish_call(self.keys, self.settings, channel, message, key, publisher, author)
        return publish_outcome(await self._script("publish", keys, args, "Redis did not confirm the publish; retry with the same idempotency key"))

    async def history(self, channel, since=None, rewind=0):
        """The channel's position and the replay a subscribe asked for: after `since`, or without
        one the last `rewind` messages (`replay_from` is then the cursor just before them)."""
        keys = [self.keys.meta(channel), self.keys.log(channel)]
        args = [new_epoch(), since["epoch"] if since else "", since["offset"] if since else 0, self.settings.history_ttl_ms, 0 if since else rewind]
        epoch, offset, recovered, messages, start, times = await self._script("history", keys, args, "Redis did not answer the history read; retry")
        epoch = _text(epoch)
        publications = [
            Publication(channel, epoch, start + index + 1, loads(_text(text)), int(time))
            for index, (text, time) in enumerate(zip(messages or [], times or []))
        ]
        if since is None:
            replay_from = {"epoch": epoch, "offset": int(start)} if start >= 0 else None
        else:
            replay_from = {"epoch": epoch, "offset": 0} if not recovered and start == 0 else None
        return HistoryResult({"epoch": epoch, "offset": int(offset)}, bool(recovered), publications, replay_from)

    async def issue_ticket(self, claims, connect_id):
        """An opaque single-use ticket; the claims stay in Redis until it is redeemed or expires."""
        ticket = "t_" + secrets.token_urlsafe(24)
        grant = dumps({"claims": claims, "connectId": connect_id})
        await self._command("Redis did not store the ticket; retry", "SET", self.keys.ticket(ticket), grant, "PX", self.settings.ticket_ttl_ms)
        return ticket

    async def redeem_ticket(self, ticket):
        """The ticket's `{claims, connectId}` the first time, `None` after (or when unknown or expired)."""
        if not ticket or len(ticket) > 128:
            return None
        stored = await self._command("Redis did not answer the ticket check; retry", "GETDEL", self.keys.ticket(ticket))
        return loads(_text(stored)) if stored is not None else None
