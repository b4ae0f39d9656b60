"""Redis going away and coming back: typed errors meanwhile, no crash, subscriptions handed back."""
import pytest

from tests.conftest import SERVER_ENV, run
from tests.support.clients import WsClient
from tests.support.http_client import request
from tests.support.processes import DaphneProcess, RedisProcess
from tests.support.tokens import token


@pytest.fixture
def lone_server():
    """A Redis and a server of their own: this test stops that Redis."""
    redis = RedisProcess().start()
    server = DaphneProcess(redis.url, **SERVER_ENV).start()
    yield redis, server
    server.stop()
    redis.stop()


def test_while_redis_is_away_commands_fail_with_internal_and_subscriptions_come_back_as_unsubscribed(lone_server):
    redis, server = lone_server

    async def scenario():
        client = await WsClient.open(server, token())
        subscribed = await client.command("subscribe", channel="board:outage")
        redis.stop()
        publish = await client.command("publish", channel="board:outage", event="e", data=1, key="k1")
        health = await request("GET", f"{server.url}/healthz")
        redis.start()
        # The server reconnects on its own and hands the subscription back: the client resubscribes.
        ended = await client.frame(timeout=15)
        again = await client.command("subscribe", channel="board:outage", since=subscribed["result"]["position"])
        healthy = await request("GET", f"{server.url}/healthz")
        client.close()
        return publish, health, ended, again, healthy

    publish, health, ended, again, healthy = run(scenario())
    assert publish["ok"] is False and publish["error"]["code"] == "INTERNAL"
    assert health.status == 503 and health.json()["status"] == "degraded"
    assert ended["type"] == "unsubscribed" and ended["channel"] == "board:outage"
    assert ended["error"]["code"] == "INTERNAL" and ended["error"]["retryAfterMs"] > 0
    # Redis came back empty: a new epoch, so the old position cannot be recovered.
    assert again["ok"] is True and again["result"]["recovered"] is False
    assert healthy.status == 200


def test_stopping_the_server_tells_clients_to_reconnect_with_4100(lone_server):
    from tests.support.clients import SseClient

    redis, server = lone_server

    async def scenario():
        ws = await WsClient.open(server, token())
        sse = await SseClient.open(server, token())
        server.process.terminate()
        ws_frames, ws_code = await ws.closed()
        sse_frames = []
        while not sse_frames or sse_frames[-1]["type"] != "disconnect":
            sse_frames.append(await sse.frame())
        return ws_frames[-1], ws_code, sse_frames[-1]

    ws_last, ws_code, sse_last = run(scenario())
    shutdown = {"type": "disconnect", "code": 4100, "reason": "server shutting down", "retryAfterMs": 2000}
    assert ws_last == shutdown and ws_code == 4100
    assert sse_last == shutdown


def test_a_server_started_before_redis_serves_every_route_once_redis_is_up():
    redis = RedisProcess()  # its port is chosen, the process not started yet
    servers = []
    try:
        servers = [DaphneProcess(redis.url, **SERVER_ENV).start() for _ in range(2)]
        a, b = servers

        async def scenario():
            before = await request("GET", f"{a.url}/healthz")
            redis.start()
            for _ in range(200):  # bounded: until both processes reconnected (one round trip each)
                states = [await request("GET", f"{server.url}/healthz") for server in servers]
                if all(state.status == 200 for state in states):
                    break
            # An SSE session on A, commanded through B: routing needs both processes' pub/sub links.
            from tests.support.clients import SseClient

            client = await SseClient.open(a, token())
            client.post_to = b
            reply = await client.command("subscribe", channel="board:late")
            client.close()
            return before, states, reply

        before, states, reply = run(scenario())
        assert before.status == 503 and before.json()["status"] == "degraded"
        assert [state.status for state in states] == [200, 200]
        assert reply["ok"] is True
    finally:
        for server in servers:
            server.stop()
        redis.stop()
