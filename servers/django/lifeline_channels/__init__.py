"""Lifeline protocol v1 for Django Channels: WebSocket, SSE and long-polling endpoints, Redis-backed
positions and history, and `notify()` / `anotify()` to publish from Django code.

See docs/django.md in the Lifeline repository.
"""

__all__ = ["notify", "anotify"]


def notify(channel, event, data, key=None):
    """Publishes from sync Django code (views, signals, tasks); see `lifeline_channels.publishing.notify`."""
    from .publishing import notify as _notify

    return _notify(channel, event, data, key)


async def anotify(channel, event, data, key=None):
    """Publishes from async code; see `lifeline_channels.publishing.anotify`."""
    from .publishing import anotify as _anotify

    return await _anotify(channel, event, data, key)
