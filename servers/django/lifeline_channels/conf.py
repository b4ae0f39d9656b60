"""Settings: `LIFELINE = {...}` in Django settings, merged once over the defaults of `LifelineSettings`."""
from dataclasses import dataclass, field, fields

from django.core.exceptions import ImproperlyConfigured

from .channel_rules import DEFAULT_CHANNEL_RULES
from .lua_scripts import DEFAULT_LUA_DIR, missing_files

#: Development secret, as the mock server's: anyone can mint tokens for it. Set JWT_SECRET in production.
DEFAULT_JWT_SECRET = "lifeline-dev-secret"


def positive(default):
    """A numeric option that must be a positive number (`build_settings` checks every one)."""
    return field(default=default, metadata={"positive": True})


@dataclass(frozen=True)
class LifelineSettings:
    """Every option with its default; `LIFELINE` in Django settings overrides them by upper-case name."""

    #: Where positions, history, idempotency keys, tickets and fan-out live.
    redis_url: str = "redis://127.0.0.1:6379/0"
    #: Prefix of every Redis key and pub/sub channel; deployments sharing one Redis need their own.
    key_prefix: str = "lifeline:"
    #: HS256 secret of client JWTs.
    jwt_secret: str = DEFAULT_JWT_SECRET
    #: A token must expire within this from now (24 h).
    max_token_lifetime_ms: int = positive(86_400_000)
    #: Open WebSocket, SSE and long-polling connections per client address; loopback is not
    #: counted (behind a proxy on the same host every user shares its address: cap there).
    max_connections_per_ip: int = positive(256)
    #: Key of the server-side publish API (`Authorization: Bearer <api key>`); `None` turns it off.
    api_key: str = None
    #: Browser origins allowed to connect; `"*"` allows any. Requests without `Origin` are allowed.
    allowed_origins: tuple = ("*",)
    #: Who may subscribe and publish where; channels matching no rule are forbidden.
    channel_rules: tuple = field(default_factory=lambda: tuple(DEFAULT_CHANNEL_RULES))
    heartbeat_ms: int = positive(25_000)
    #: A WebSocket that has not sent `connect` by then is closed with 4003.
    connect_timeout_ms: int = positive(10_000)
    max_frame_bytes: int = positive(65_536)
    max_subscriptions: int = positive(128)
    #: Token bucket per connection: sustained commands per second, and the burst.
    rate_per_second: float = positive(100)
    rate_burst: int = positive(200)
    ticket_ttl_ms: int = positive(30_000)
    #: How long `POST /poll` is held when there is nothing to send; must stay below heartbeat_ms.
    #: Unset: 20 000, or 80 % of heartbeat_ms when that is shorter.
    poll_ms: int = positive(None)
    #: Frames a long-polling session may hold unacknowledged before it is cut as a slow consumer.
    max_queued_bytes: int = positive(1_048_576)
    history_size: int = positive(1000)
    history_ttl_ms: int = positive(300_000)
    idempotency_window_ms: int = positive(120_000)
    #: How long a request routed to another process (upstream command) waits for its answer.
    route_timeout_ms: int = positive(5000)
    #: How long a Redis command may take before the caller gets INTERNAL.
    redis_timeout_ms: int = positive(5000)
    #: Lifetime of a process's presence liveness key, renewed every third of it: the connections of
    #: a process that died leave presence within this plus a third. At least MIN_PRESENCE_TTL_MS.
    presence_ttl_ms: int = positive(10_000)
    #: Folder of the Redis Lua scripts, shared with the mock server so both run one Redis layout.
    #: Unset: the repository's packages/protocol/redis; a deployment outside the repository copies
    #: that folder and sets this to the copy.
    lua_dir: str = None


#: A shorter presence ttl would renew the liveness key (and sweep) in a tight loop against Redis.
MIN_PRESENCE_TTL_MS = 1000

#: The options that must be positive numbers (the numeric ones).
POSITIVE_OPTIONS = tuple(option.name for option in fields(LifelineSettings) if option.metadata.get("positive"))


def build_settings(overrides):
    """`LifelineSettings` from a dict of upper-case names; raises ImproperlyConfigured on a bad value."""
    known = {f.name for f in fields(LifelineSettings)}
    values = {}
    for name, value in (overrides or {}).items():
        key = name.lower()
        if key not in known:
            raise ImproperlyConfigured(f"LIFELINE has an unknown option {name!r}; known: {', '.join(sorted(n.upper() for n in known))}")
        values[key] = tuple(value) if key in ("allowed_origins", "channel_rules") else value
    if values.get("lua_dir") is None:
        values["lua_dir"] = str(DEFAULT_LUA_DIR)
    if values.get("poll_ms") is None:
        values["poll_ms"] = min(20_000, int(values.get("heartbeat_ms", LifelineSettings.heartbeat_ms) * 0.8))
    settings = LifelineSettings(**values)
    for name in POSITIVE_OPTIONS:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ImproperlyConfigured(f"LIFELINE[{name.upper()!r}] must be a positive number, got {value!r}")
    if settings.presence_ttl_ms < MIN_PRESENCE_TTL_MS:
        raise ImproperlyConfigured(f"LIFELINE['PRESENCE_TTL_MS'] must be at least {MIN_PRESENCE_TTL_MS} (ms), got {settings.presence_ttl_ms!r}")
    if settings.poll_ms >= settings.heartbeat_ms:
        # A held poll longer than the heartbeat would make the client think the link is dead.
        raise ImproperlyConfigured("LIFELINE['POLL_MS'] must be below LIFELINE['HEARTBEAT_MS']")
    if not settings.jwt_secret:
        raise ImproperlyConfigured("LIFELINE['JWT_SECRET'] must not be empty")
    missing = missing_files(settings.lua_dir)
    if missing:
        raise ImproperlyConfigured(
            f"LIFELINE['LUA_DIR'] ({settings.lua_dir}) lacks {', '.join(missing)}: copy the Lifeline repository's "
            "packages/protocol/redis folder and point LUA_DIR at the copy"
        )
    return settings


_cached = None


def get_settings():
    """The settings of this process, read once from `django.conf.settings.LIFELINE`."""
    global _cached
    if _cached is None:
        from django.conf import settings

        _cached = build_settings(getattr(settings, "LIFELINE", {}))
    return _cached
