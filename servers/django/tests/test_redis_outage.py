"""Redis going away and coming back: typed errors meanwhile, no crash, subscriptions handed back."""
import asyncio

import pytest

from tests.conftest import SERVER_ENV, run
from tests.support.channels import api_publish
from tests.support.clients import WsClient
from tests.support.http_client import request
from tests.support.processes import DaphneProcess, RedisProcess
from tests.support.tokens import API_KEY, token

#: Well over the pub/sub link's longest reconnect backoff (2 s), for a loaded machine.
RECONNECT_WAIT_S = 10


async def health_once_reconnected(*servers):
    """Each server's `/healthz` answer once all of them say 200, or the last answers after
    RECONNECT_WAIT_S. Bounded by time, not by a count of requests: a count ran out within one
    backoff step when the machine was busy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECONNECT_WAIT_S
    while True:
        states = [await request("GET", f"{server.url}/healthz") for server in servers]
        if all(state.status == 200 for state in states) or loop.time() > deadline:
            return states


@pytest.fixture
def lone_server():
    """A Redis and a server of their own: this test stops that Redis."""
    redis = RedisProcess().start()
    server = DaphneProcess(redis.url, **SERVER_ENV).start()
    yield redis, server
    server.stop()
    redis.stop()


def test_while_redis_is_away_subscriptions_end_and_commands_are_unavailable(lone_server):
    redis, server = lone_server

    async def scenario():
        client = await WsClient.open(server, token())
        subscribed = await client.command("subscribe", channel="board:outage")
        await api_publish(server, "board:outage", {"n": 1})
        await client.messages(1)
        redis.stop()
        # The server says at once that the subscription is over: nothing goes silently missing.
        ended = await client.frame()
        publish = await client.command("publish", channel="board:outage", event="e", data=1, key="k1")
        resubscribe = await client.command("subscribe", channel="board:outage")
        health = await request("GET", f"{server.url}/healthz")
        api = await request("POST", f"{server.url}/publish", {"Authorization": f"Bearer {API_KEY}"}, {"channel": "board:outage", "event": "e", "data": 1})
        redis.start()
        (healthy,) = await health_once_reconnected(server)
        await api_publish(server, "board:outage", {"n": 2})
        again = await client.command("subscribe", channel="board:outage", since={"epoch": subscribed["result"]["position"]["epoch"], "offset": 1})
        replayed = await client.messages(1)
        client.close()
        return ended, publish, resubscribe, health, api, healthy, again, replayed

    ended, publish, resubscribe, health, api, healthy, again, replayed = run(scenario())
    assert ended["type"] == "unsubscribed" and ended["channel"] == "board:outage"
    assert ended["error"]["code"] == "UNAVAILABLE" and ended["error"]["retryAfterMs"] == 1000
    for refused in (publish, resubscribe):
        assert refused["ok"] is False and refused["error"]["code"] == "UNAVAILABLE" and refused["error"]["retryAfterMs"] == 1000
    assert health.status == 503 and health.json()["status"] == "degraded"
    assert api.status == 503 and api.json()["error"]["code"] == "UNAVAILABLE"
    assert healthy.status == 200
    # Redis came back empty: a new epoch. Not recovered, but what it holds since is replayed.
    assert again["ok"] is True and again["result"]["recovered"] is False
    assert again["result"]["position"]["offset"] == 0
    assert replayed[0]["data"] == {"n": 2} and replayed[0]["pos"]["offset"] == 1


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
            states = await health_once_reconnected(*servers)
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
