"""JSON in and out, with the rules JavaScript peers expect."""
import json


def _refuse_constant(name):
    # Python would accept NaN and Infinity; JSON (and every JavaScript client) does not.
    raise ValueError(f"{name} is not JSON")


class Unreadable(ValueError):
    """JSON this server does not read, although `JSON.parse` may: nested past Python's recursion
    limit, or an integer past its digit limit. The text may be a well-formed command whose `id`
    deserves a reply."""


def _parse_int(text):
    try:
        return int(text)
    except ValueError as error:
        raise Unreadable("an integer too long") from error


def loads(text):
    """Parses JSON text strictly. Raises ValueError for anything `JSON.parse` would refuse, and
    `Unreadable` (a ValueError too) for what this server cannot handle, so a hostile frame is a bad
    request, not a crash."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int)
    except RecursionError as error:
        raise Unreadable("nested too deeply") from error


def dumps(value):
    """Compact JSON text, non-ASCII kept as is. A lone surrogate (valid in a JSON string escape, not
    in UTF-8) is written as its escape instead, as `JSON.stringify` does."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text
