"""JSON in and out, with the rules JavaScript peers expect."""
import json


def _refuse_constant(name):
    # Python would accept NaN and Infinity; JSON (and every JavaScript client) does not.
    raise ValueError(f"{name} is not JSON")


def loads(text):
    """Parses JSON text strictly. Raises ValueError for anything `JSON.parse` would refuse, and for
    nesting too deep to handle (RecursionError), so a hostile frame is a bad request, not a crash."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ValueError("JSON nested too deeply") from error


def dumps(value):
    """Compact JSON text, non-ASCII kept as is. A lone surrogate (valid in a JSON string escape, not
    in UTF-8) is written as its escape instead, as `JSON.stringify` does."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text
