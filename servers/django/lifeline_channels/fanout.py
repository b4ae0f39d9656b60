"""Fan-out within one process: one Redis pub/sub subscription per channel, whatever the number of
local subscribers, so each process receives each message once and hands it to its sessions in
offset order (the publish script PUBLISHes in that order)."""
import asyncio

from .once import once
from .jsontext import loads
from .presence import change_from_fanout
from .publication import publication_from_fanout
from .refused import unavailable
from .resp import RedisUnavailable


class Fanout:
    def __init__(self, keys, pubsub):
        self._keys = keys
        self._pubsub = pubsub
        self._listeners = {}  # channel -> {token: callback}, insertion-ordered
        self._ready = {}  # channel -> future of the SUBSCRIBE confirmation

    async def listen(self, channel, callback, on_presence=None):
        """Calls `callback(publication)` for each live message of `channel`, and `on_presence(change)`
        for each change of its presence; resolves once the Redis subscription is in effect. Returns
        the release function."""
        listeners = self._listeners.setdefault(channel, {})
        token = object()
        listeners[token] = (callback, on_presence)

        @once
        def release():
            current = self._listeners.get(channel)
            if current is None:
                return
            current.pop(token, None)
            if not current:
                del self._listeners[channel]
                self._ready.pop(channel, None)
                self._pubsub.unsubscribe(self._keys.fanout(channel))

        ready = self._ready.get(channel)
        if ready is None:
            ready = asyncio.ensure_future(self._pubsub.subscribe(self._keys.fanout(channel)))
            self._ready[channel] = ready
        try:
            await asyncio.shield(ready)
        except BaseException as error:
            if self._ready.get(channel) is ready:
                del self._ready[channel]
            release()
            if isinstance(error, RedisUnavailable):
                raise unavailable("This server could not subscribe to the channel in Redis; retry") from None
            raise
        return release

    def dispatch(self, fanout_channel, payload):
        """A pub/sub message; `False` when it is not a fan-out message."""
        channel = self._keys.channel_of(fanout_channel)
        if channel is None:
            return False
        listeners = self._listeners.get(channel)
        if not listeners:
            return True
        # Both are JSON objects: a presence change `{"p": …}`, else a message `{"e", "o", "t", "m"}`.
        fanout = loads(payload.decode("utf-8", "surrogatepass") if isinstance(payload, bytes) else payload)
        if "p" in fanout:
            change = change_from_fanout(fanout)
            for _, on_presence in list(listeners.values()):
                if on_presence is not None:
                    on_presence(change)
            return True
        publication = publication_from_fanout(channel, fanout)
        for callback, _ in list(listeners.values()):
            callback(publication)
        return True

