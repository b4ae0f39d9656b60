"""Validation of client frames: every rejection carries the protocol's error code, and the frame's
`id` when one could be read, so the answer can be a reply that settles the sender's command."""
import re

from .carriable import problem as data_problem
from .codes import error_body
from .jsontext import Unreadable, dumps, loads

#: Channel names: 1-128 characters of letters, digits and `_ - : . @`.
CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_\-:.@]{1,128}$")
MAX_EVENT_LENGTH = 128
MAX_KEY_LENGTH = 128
MAX_TOKEN_LENGTH = 16_384
MAX_SAFE_INTEGER = 2**53 - 1
#: Most bytes of a connection's presence data, as UTF-8 JSON.
MAX_PRESENCE_DATA_BYTES = 1024

# A top-level "id": n as the first member or the last, where clients put it.
_EDGE_IDS = (re.compile(r'^\s*\{\s*"id"\s*:\s*(\d{1,16})\s*[,}]'), re.compile(r'[,{]\s*"id"\s*:\s*(\d{1,16})\s*\}\s*$'))
_EDGE_CHARS = 64


class Parsed:
    """The outcome of `parse_command`: `frame` when `ok`, else `error` and maybe `id`."""

    __slots__ = ("ok", "frame", "id", "error")

    def __init__(self, frame=None, error=None, id=None):
        self.ok = error is None
        self.frame = frame
        self.error = error
        self.id = id


def is_channel(name):
    return isinstance(name, str) and CHANNEL_NAME.match(name) is not None


def safe_int(value):
    """JSON numbers that JavaScript reads as safe integers (`1.0` included); `None` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    return None


def is_position(value):
    if not isinstance(value, dict):
        return False
    epoch, offset = value.get("epoch"), safe_int(value.get("offset"))
    return isinstance(epoch, str) and 0 < len(epoch) <= 64 and offset is not None and offset >= 0


def _is_name(value, limit):
    return isinstance(value, str) and 0 < len(value) <= limit


def byte_length(text):
    return len(text.encode("utf-8", "surrogatepass"))


def _bad(message, id=None):
    return Parsed(error=error_body("BAD_REQUEST", message), id=id)


def _edge_id(raw):
    """The id of a frame too large or too complex to parse, read from its first or last characters only."""
    for pattern, part in ((_EDGE_IDS[0], raw[:_EDGE_CHARS]), (_EDGE_IDS[1], raw[-_EDGE_CHARS:])):
        match = pattern.search(part)
        if match:
            number = int(match.group(1))
            return number if number <= MAX_SAFE_INTEGER else None
    return None


def parse_command(raw, max_frame_bytes):
    """Validates one client frame given as text. Never raises."""
    if len(raw) > max_frame_bytes or (len(raw) * 3 > max_frame_bytes and byte_length(raw) > max_frame_bytes):
        return Parsed(error=error_body("FRAME_TOO_LARGE", f"Frame exceeds {max_frame_bytes} bytes"), id=_edge_id(raw))
    try:
        value = loads(raw)
    except Unreadable as error:
        # Perhaps a well-formed command: its id, read from the edges as for an oversized frame,
        # gets the refusal as its one reply.
        return _bad(f"Frame is too complex to read ({error})", _edge_id(raw))
    except ValueError:
        return _bad("Frame is not valid JSON")
    if not isinstance(value, dict):
        return _bad("Frame must be a JSON object")
    kind = value.get("type")
    if kind == "pong":
        return Parsed(frame={"type": "pong"})
    cid = safe_int(value.get("id"))
    if cid is None or cid < 0:
        return _bad('Command needs a non-negative integer "id"')
    if kind == "connect":
        version = safe_int(value.get("v"))
        if version is None:
            return _bad('connect needs a protocol version "v"', cid)
        frame = {"id": cid, "type": "connect", "v": version}
        if "token" in value:
            if not isinstance(value["token"], str):
                return _bad('"token" must be a string', cid)
            frame["token"] = value["token"]
        return Parsed(frame=frame)
    if kind in ("subscribe", "unsubscribe"):
        if not is_channel(value.get("channel")):
            return _bad(f'{kind} needs a valid "channel"', cid)
        frame = {"id": cid, "type": kind, "channel": value["channel"]}
        if kind == "subscribe" and "since" in value:
            if not is_position(value["since"]):
                return _bad('"since" must be {epoch, offset}', cid)
            frame["since"] = {"epoch": value["since"]["epoch"], "offset": safe_int(value["since"]["offset"])}
        if kind == "subscribe" and "rewind" in value:
            rewind = safe_int(value["rewind"])
            if rewind is None or rewind < 1:
                return _bad('"rewind" must be a positive integer', cid)
            frame["rewind"] = rewind
        if kind == "subscribe" and "presence" in value:
            presence = value["presence"]
            if not isinstance(presence, dict):
                return _bad('"presence" must be an object {data?}', cid)
            frame["presence"] = {}
            if "data" in presence:
                # Checked before it is encoded: an infinity (1e400) made dumps raise out of here.
                problem = data_problem(presence["data"])
                if problem:
                    return _bad(f'"presence.data" cannot be carried as JSON: {problem}', cid)
                if byte_length(dumps(presence["data"])) > MAX_PRESENCE_DATA_BYTES:
                    return _bad(f'"presence.data" exceeds {MAX_PRESENCE_DATA_BYTES} bytes of JSON', cid)
                frame["presence"]["data"] = presence["data"]
        return Parsed(frame=frame)
    if kind == "publish":
        if not is_channel(value.get("channel")):
            return _bad('publish needs a valid "channel"', cid)
        if not _is_name(value.get("event"), MAX_EVENT_LENGTH):
            return _bad('publish needs an "event" name', cid)
        if not _is_name(value.get("key"), MAX_KEY_LENGTH):
            return _bad('publish needs an idempotency "key"', cid)
        if "data" not in value:
            return _bad('publish needs "data"', cid)
        return Parsed(frame={"id": cid, "type": "publish", "channel": value["channel"], "event": value["event"], "data": value["data"], "key": value["key"]})
    if kind == "refresh":
        if not _is_name(value.get("token"), MAX_TOKEN_LENGTH):
            return _bad('refresh needs a "token"', cid)
        return Parsed(frame={"id": cid, "type": "refresh", "token": value["token"]})
    if kind == "ping":
        return Parsed(frame={"id": cid, "type": "ping"})
    return Parsed(error=error_body("UNKNOWN_COMMAND", f"Unknown command type {_shown(kind)}"), id=cid)


def _shown(kind):
    """A client's `type` in a message: as JSON when it is a string, else only its JSON type (an
    infinity, 1e400 parsed, cannot be printed as JSON at all)."""
    if isinstance(kind, str):
        return dumps(kind)
    return "null" if kind is None else f"of JSON type {_JSON_TYPES.get(type(kind), 'number')}"


_JSON_TYPES = {bool: "boolean", dict: "object", list: "array"}


def decode_body(body, max_frame_bytes):
    """An HTTP body (bytes) as text for `parse_command`, or a `Parsed` error."""
    if len(body) > max_frame_bytes:
        return Parsed(error=error_body("FRAME_TOO_LARGE", f"Frame exceeds {max_frame_bytes} bytes"))
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _bad("Body is not valid UTF-8")
