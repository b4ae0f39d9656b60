"""Fixtures: one redis-server and two daphne processes of the example project on it, started once
for the whole run on free ports, and stopped by pid at the end."""
import asyncio
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.processes import DaphneProcess, RedisProcess  # noqa: E402
from tests.support.tokens import API_KEY, SECRET  # noqa: E402

ALLOWED_ORIGIN = "http://allowed.test"
#: Short timings so heartbeats, timeouts and polls happen within a test; defaults for the rest.
SERVER_ENV = {
    "LIFELINE_JWT_SECRET": SECRET,
    "LIFELINE_API_KEY": API_KEY,
    "LIFELINE_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
    "LIFELINE_HEARTBEAT_MS": "1500",
    "LIFELINE_POLL_MS": "800",
    "LIFELINE_CONNECT_TIMEOUT_MS": "1000",
    "LIFELINE_HISTORY_SIZE": "20",
}
RUN_TIMEOUT_S = 30


@pytest.fixture(scope="session")
def redis_server():
    server = RedisProcess().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def servers(redis_server):
    """Two server processes on one Redis: messages, tickets and sessions cross between them."""
    started = []
    try:
        for _ in range(2):
            started.append(DaphneProcess(redis_server.url, **SERVER_ENV).start())
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def server(servers):
    return servers[0]


@pytest.fixture(scope="session")
def django_settings(redis_server):
    """Django settings in this test process, for `notify()`."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(INSTALLED_APPS=["lifeline_channels"], LIFELINE={"REDIS_URL": redis_server.url, "JWT_SECRET": SECRET})
        import django

        django.setup()
    return settings


@pytest.fixture
def channel():
    """A channel of its own for each test (anyone may subscribe and publish on board:*)."""
    return f"board:{uuid.uuid4().hex[:12]}"


def run(coroutine):
    """Runs one test's client code, bounded."""
    return asyncio.run(asyncio.wait_for(coroutine, RUN_TIMEOUT_S))
