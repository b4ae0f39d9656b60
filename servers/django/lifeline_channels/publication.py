"""A channel message as stored, fanned out and delivered, with its `message` frame built once."""
import secrets
import string

from .jsontext import dumps

_EPOCH_ALPHABET = string.ascii_lowercase + string.digits


class Publication:
    """One message of a channel at its position. `text` is the whole `message` frame as JSON,
    shared by every local subscriber (serialized once per process, not once per subscriber)."""

    __slots__ = ("channel", "epoch", "offset", "text")

    def __init__(self, channel, epoch, offset, stored, time):
        """`stored`: the message as the publish script stored it, `{"event","data","publisher"}`
        (see `stored_message`); `time`: when Redis accepted it, in ms since the Unix epoch."""
        self.channel = channel
        self.epoch = epoch
        self.offset = offset
        meta = {"publisher": stored.get("publisher"), "time": int(time)}
        frame = {"type": "message", "channel": channel, "event": stored.get("event"), "data": stored.get("data"), "pos": self.position, "meta": meta}
        self.text = dumps(frame)

    @property
    def position(self):
        return {"epoch": self.epoch, "offset": self.offset}

    @property
    def sse_id(self):
        """The SSE `id:` of this message: `<epoch>:<offset>:<channel>`."""
        return f"{self.epoch}:{self.offset}:{self.channel}"


def stored_message(message, author):
    """What the publish script stores and fans out: `message` (`{"event","data"}`, see
    `payload.encode_publication`) with `publisher`, the token `sub` of a client publish or None for
    the server. The mock server stores the same, so both read each other's messages."""
    return message[:-1] + ',"publisher":' + dumps(author) + "}"


def new_epoch():
    """A fresh epoch candidate (the scripts keep the first one a channel gets)."""
    return "".join(secrets.choice(_EPOCH_ALPHABET) for _ in range(8))


def publication_from_fanout(channel, fanout):
    """A parsed fan-out payload `{"e": epoch, "o": offset, "t": time, "m": stored message}` (built
    by the publish script) as a Publication."""
    return Publication(channel, fanout["e"], int(fanout["o"]), fanout["m"], fanout["t"])
