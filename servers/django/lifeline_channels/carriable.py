"""Whether a JSON value can be carried: it encodes to JSON and decodes to the same value on every
peer (no lone surrogate, no infinity, not nested too deeply). Publications and presence data pass
the same check."""
import math

#: Most objects and arrays nested in one another in `data` (`{"a":[1]}` nests 2).
MAX_DEPTH = 32


def well_formed(text):
    """No lone surrogate: UTF-8 (WebSocket text frames, Redis) has no encoding for one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problem(data, max_depth=MAX_DEPTH):
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
