"""URL patterns of the protocol, for Channels' `URLRouter`, and a ready-made ASGI application.

Example `asgi.py`::

    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.asgi import get_asgi_application
    django_app = get_asgi_application()
    from lifeline_channels.routing import lifeline_application
    application = lifeline_application(django_app)
"""
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path, re_path

from .endpoints import HealthEndpoint, MetricsEndpoint, PublishEndpoint, SendEndpoint, TicketEndpoint, WebSocketPath
from .poll import PollConnectEndpoint, PollEndpoint
from .sse import SseStream
from .websocket import WebSocketConsumer


def http_urlpatterns():
    """`/sse`, `/sse/ticket`, `/sse/send`, `/poll/connect`, `/poll`, `/publish`, `/healthz`, `/metrics`,
    and `/ws` for plain HTTP requests (400 for GET, 405 for other methods)."""
    return [
        path("ws", WebSocketPath()),
        path("sse/ticket", TicketEndpoint()),
        path("sse/send", SendEndpoint()),
        path("sse", SseStream()),
        path("poll/connect", PollConnectEndpoint()),
        path("poll", PollEndpoint()),
        path("publish", PublishEndpoint()),
        path("healthz", HealthEndpoint()),
        path("metrics", MetricsEndpoint()),
    ]


def websocket_urlpatterns():
    """`/ws`."""
    return [path("ws", WebSocketConsumer())]


def lifeline_application(django_app=None):
    """The protocol's endpoints in front of `django_app` (which gets every other HTTP request)."""
    http_routes = http_urlpatterns()
    if django_app is not None:
        http_routes.append(re_path(r"", django_app))
    return ProtocolTypeRouter({
        "http": URLRouter(http_routes),
        "websocket": URLRouter(websocket_urlpatterns()),
    })
