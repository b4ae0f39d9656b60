"""Who may subscribe to, publish on and join the presence of which channel.

A rule is a dict `{"pattern": "user:{id}", "subscribe": <check>, "publish": <check>, "presence": <check>}`. A pattern's
`{name}` placeholders each match one segment without `:`. A check is a callable
`(claims, params) -> bool`, a dotted path to one, or a string spec: `"anyone"`, `"owner"` (the
`{id}` parameter is the token's `sub`), `"role:admin,mentor"` (any of these roles), or several
joined by `|` (any of them). Without `publish`, clients may not publish there (the server-side
publish API and `notify()` still can). Joining a channel's presence (and seeing who else is there)
needs `subscribe` and `presence`; without `presence`, whoever may subscribe may. Channels that match
no rule are forbidden.
"""
import re

from django.utils.module_loading import import_string

DEFAULT_CHANNEL_RULES = [
    {"pattern": "user:{id}", "subscribe": "owner", "publish": "owner"},
    {"pattern": "dashboard", "subscribe": "role:admin,mentor", "publish": "role:admin"},
    {"pattern": "leaderboard", "subscribe": "anyone", "publish": "role:admin", "presence": "nobody"},
    {"pattern": "mentor:{id}", "subscribe": "owner|role:admin", "publish": "role:admin"},
    {"pattern": "student:{id}", "subscribe": "owner|role:mentor,admin", "publish": "role:mentor,admin"},
    {"pattern": "broadcasts", "subscribe": "anyone", "publish": "role:admin", "presence": "nobody"},
    {"pattern": "board:{id}", "subscribe": "anyone", "publish": "anyone"},
    {"pattern": "comments:{id}", "subscribe": "anyone", "publish": "anyone"},
    {"pattern": "demo:{id}", "subscribe": "anyone", "publish": "anyone"},
]


def _spec_check(spec):
    alternatives = []
    for part in spec.split("|"):
        part = part.strip()
        if part == "anyone":
            alternatives.append(lambda claims, params: True)
        elif part == "nobody":
            alternatives.append(lambda claims, params: False)
        elif part == "owner":
            alternatives.append(lambda claims, params: params.get("id") == claims["sub"])
        elif part.startswith("role:"):
            roles = frozenset(role.strip() for role in part[5:].split(",") if role.strip())
            alternatives.append(lambda claims, params, roles=roles: any(role in roles for role in claims["roles"]))
        else:
            raise ValueError(f'Unknown channel rule check {part!r}: use "anyone", "nobody", "owner", "role:a,b", joined by "|"')
    return lambda claims, params: any(check(claims, params) for check in alternatives)


def _check(value):
    if value is None:
        return None
    if callable(value):
        return value
    if isinstance(value, str) and ":" not in value.split("|")[0] and "." in value:
        return import_string(value)
    if isinstance(value, str):
        return _spec_check(value)
    raise ValueError(f"A channel rule check must be a callable or a string, got {value!r}")


def _compile(rule):
    names = []

    def placeholder(match):
        names.append(match.group(1))
        return "([^:]+)"

    parts = re.split(r"(\{\w+\})", rule["pattern"])
    source = "".join(placeholder(re.match(r"\{(\w+)\}", part)) if re.fullmatch(r"\{\w+\}", part) else re.escape(part) for part in parts)
    subscribe = _check(rule.get("subscribe"))
    presence = _check(rule["presence"]) if "presence" in rule else subscribe
    return re.compile(f"^{source}$"), names, {"subscribe": subscribe, "publish": _check(rule.get("publish")), "presence": presence}


def channel_authorizer(rules):
    """Compiles rules once; returns `authorize(claims, channel, action)` with action `subscribe`,
    `publish` or `presence` (which also needs `subscribe`)."""
    compiled = [_compile(rule) for rule in rules]

    def authorize(claims, channel, action):
        for regex, names, checks in compiled:
            match = regex.match(channel)
            if not match:
                continue
            params = dict(zip(names, match.groups()))
            needed = ("subscribe", "presence") if action == "presence" else (action,)
            return all(checks[name] is not None and checks[name](claims, params) for name in needed)
        return False

    return authorize
