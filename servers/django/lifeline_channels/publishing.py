"""Publishing from Django code: `notify()` in views, signals, management commands and worker tasks,
`anotify()` in async code. Both publish as the server (no channel rules), straight through Redis,
so they work from any process that has the settings, not only from the daphne processes."""
import asyncio
import json
import threading

from django.core.serializers.json import DjangoJSONEncoder

from .broker import SERVER_PUBLISHER, publish_call, publish_outcome
from .conf import get_settings
from .frames import is_channel
from .payload import encode_publication
from .refused import Refused
from .lua_scripts import load_scripts
from .redis_keys import RedisKeys

_local = threading.local()


def _message(channel, event, data, key):
    """The stored message, through the same checks as every publication; ValueError when refused."""
    if not is_channel(channel):
        raise ValueError(f"Invalid channel name {channel!r}: 1-128 letters, digits and _ - : . @")
    try:
        # Through DjangoJSONEncoder first (dates, decimals, UUIDs), then the protocol's checks.
        plain = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        return encode_publication(event, plain, key, get_settings().max_frame_bytes)
    except Refused as refused:
        raise ValueError(refused.message) from None
    except (TypeError, ValueError, RecursionError) as error:
        raise ValueError(f'"data" cannot be encoded as JSON: {error}') from None


def _sync_script():
    """One redis-py client and script per thread (redis-py pools connections thread-safely, but
    keeping them per thread also survives forks of worker processes)."""
    script = getattr(_local, "script", None)
    if script is None:
        import redis

        settings = get_settings()
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=settings.redis_timeout_ms / 1000)
        script = client.register_script(load_scripts(settings.lua_dir)["publish"].text)
        _local.script = script
    return script


def notify(channel, event, data, key=None):
    """Publishes `data` (anything `DjangoJSONEncoder` handles: dates, decimals, UUIDs too) as `event`
    on `channel`. Returns `{"position": {epoch, offset}, "duplicate": bool}`; a repeated `key`
    within the idempotency window is acknowledged, not delivered again. Raises ValueError for bad
    input (channel name, event, key, data deeper than 32 levels, over MAX_FRAME_BYTES of JSON,
    non-finite numbers) and redis.RedisError when Redis is unavailable.

    Example::

        from lifeline_channels import notify
        notify(f"user:{user.pk}", "notification", {"text": "Your export is ready"})
    """
    message = _message(channel, event, data, key)
    settings = get_settings()
    keys, args = publish_call(RedisKeys(settings.key_prefix), settings, channel, message, key, SERVER_PUBLISHER)
    return publish_outcome(_sync_script()(keys=keys, args=args))


async def anotify(channel, event, data, key=None):
    """`notify()` for async code. Inside the server process it uses the process's own Redis
    connection; elsewhere it runs `notify()` in a thread."""
    message = _message(channel, event, data, key)
    from .runtime import _runtimes

    runtime = _runtimes.get(asyncio.get_running_loop())
    if runtime is not None:
        return await runtime.broker.publish(channel, message, key, SERVER_PUBLISHER)
    from asgiref.sync import sync_to_async

    return await sync_to_async(notify, thread_sensitive=False)(channel, event, data, key)
