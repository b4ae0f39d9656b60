"""A channel message as stored, fanned out and delivered, with its `message` frame built once."""
import secrets
import string

from .jsontext import dumps

_EPOCH_ALPHABET = string.ascii_lowercase + string.digits


class Publication:
    """One message of a channel at its position. `text` is the whole `message` frame as JSON,
    shared by every local subscriber (serialized once per process, not once per subscriber)."""

    __slots__ = ("channel", "epoch", "offset", "text")

    def __init__(self, channel, epoch, offset, message):
        self.channel = channel
        self.epoch = epoch
        self.offset = offset
        # `message` is exactly '{"event":…,"data":…,"meta":…}' (payload.encode_publication, then
        # the publish script's stamp), so its members splice in.
        self.text = (
            '{"type":"message","channel":' + dumps(channel) + "," + message[1:-1]
            + ',"pos":{"epoch":' + dumps(epoch) + ',"offset":' + str(offset) + "}}"
        )

    @property
    def position(self):
        return {"epoch": self.epoch, "offset": self.offset}

    @property
    def sse_id(self):
        """The SSE `id:` of this message: `<epoch>:<offset>:<channel>`."""
        return f"{self.epoch}:{self.offset}:{self.channel}"


def new_epoch():
    """A fresh epoch candidate (the scripts keep the first one a channel gets)."""
    return "".join(secrets.choice(_EPOCH_ALPHABET) for _ in range(8))


def parse_fanout(channel, payload):
    """A fan-out payload `<epoch> <offset> <message JSON>` as a Publication."""
    text = payload.decode("utf-8", "surrogatepass") if isinstance(payload, bytes) else payload
    epoch, offset, message = text.split(" ", 2)
    return Publication(channel, epoch, int(offset), message)
