"""The one door every publication passes (client publish on any transport, `POST /publish`,
`notify()`): what passes encodes to JSON and decodes to the same value on every subscriber."""
from .carriable import MAX_DEPTH, problem as data_problem, well_formed
from .frames import byte_length
from .jsontext import dumps
from .refused import Refused

MAX_NAME_LENGTH = 128


def _is_name(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME_LENGTH and well_formed(value)


def encode_publication(event, data, key, max_bytes, max_depth=MAX_DEPTH):
    """The stored message `{"event","data"}` as JSON text, or raises Refused (BAD_REQUEST,
    FRAME_TOO_LARGE)."""
    if not _is_name(event):
        raise Refused("BAD_REQUEST", f'"event" must be a well-formed string of 1 to {MAX_NAME_LENGTH} characters')
    if key is not None and not _is_name(key):
        raise Refused("BAD_REQUEST", f'"key" must be a well-formed string of 1 to {MAX_NAME_LENGTH} characters')
    problem = data_problem(data, max_depth)
    if problem:
        raise Refused("BAD_REQUEST", f'"data" cannot be carried as JSON: {problem}')
    text = dumps(data)
    if len(text) > max_bytes or byte_length(text) > max_bytes:
        raise Refused("FRAME_TOO_LARGE", f'"data" exceeds {max_bytes} bytes of JSON')
    return '{"event":' + dumps(event) + ',"data":' + text + "}"
