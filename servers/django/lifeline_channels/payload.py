"""The one door every publication passes (client publish on any transport, `POST /publish`,
`notify()`): what passes encodes to JSON and decodes to the same value on every subscriber."""
import math

from .frames import byte_length
from .jsontext import dumps
from .refused import Refused

#: Most objects and arrays nested in one another in `data` (`{"a":[1]}` nests 2).
MAX_DEPTH = 32
MAX_NAME_LENGTH = 128


def well_formed(text):
    """No lone surrogate: UTF-8 (WebSocket text frames, Redis) has no encoding for one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_name(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME_LENGTH and well_formed(value)


def _problem(data, max_depth):
    """The first reason `data` cannot round-trip through JSON, or None. Iterative: a value nested
    far deeper than the limit costs a loop, not the stack."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, str):
            if not well_formed(value):
                return "a string with a lone surrogate (not well-formed Unicode)"
        elif isinstance(value, int):
            continue
        elif isinstance(value, float):
            # 1e400 parses to infinity, which JSON has no literal for.
            if not math.isfinite(value):
                return f"a number JSON has no literal for ({value})"
        elif isinstance(value, (list, dict)):
            if depth >= max_depth:
                return f"objects and arrays nested more than {max_depth} deep"
            if isinstance(value, list):
                stack.extend((member, depth + 1) for member in value)
            else:
                for name, member in value.items():
                    if not isinstance(name, str) or not well_formed(name):
                        return "a key with a lone surrogate (not well-formed Unicode)"
                    stack.append((member, depth + 1))
        else:
            return f"a value of type {type(value).__name__}"
    return None


def encode_publication(event, data, key, max_bytes, max_depth=MAX_DEPTH):
    """The stored message `{"event","data"}` as JSON text, or raises Refused (BAD_REQUEST,
    FRAME_TOO_LARGE)."""
    if not _is_name(event):
        raise Refused("BAD_REQUEST", f'"event" must be a well-formed string of 1 to {MAX_NAME_LENGTH} characters')
    if key is not None and not _is_name(key):
        raise Refused("BAD_REQUEST", f'"key" must be a well-formed string of 1 to {MAX_NAME_LENGTH} characters')
    problem = _problem(data, max_depth)
    if problem:
        raise Refused("BAD_REQUEST", f'"data" cannot be carried as JSON: {problem}')
    text = dumps(data)
    if len(text) > max_bytes or byte_length(text) > max_bytes:
        raise Refused("FRAME_TOO_LARGE", f'"data" exceeds {max_bytes} bytes of JSON')
    return '{"event":' + dumps(event) + ',"data":' + text + "}"
