"""Two server processes on one Redis: fan-out once and in order, and HTTP requests (upstream
commands, polls) accepted by the process that does not hold the session."""
import asyncio

from tests.conftest import run
from tests.support.channels import api_publish
from tests.support.clients import PollClient, SseClient, WsClient
from tests.support.tokens import token

COUNT = 60


def test_messages_published_through_one_process_reach_the_other_once_and_in_order(servers, channel):
    a, b = servers

    async def scenario():
        on_b = [await WsClient.open(b, token(f"u{n}")) for n in range(3)]
        sse_on_b = await SseClient.open(b, token("s"))
        on_a = await WsClient.open(a, token("p"))
        for client in [*on_b, sse_on_b, on_a]:
            await client.command("subscribe", channel=channel)
        # Publishers on both processes: the HTTP API on A, a client on A, and the API on B.
        for n in range(1, COUNT + 1):
            if n % 3 == 0:
                await on_a.command("publish", channel=channel, event="e", data={"n": n}, key=f"k{n}")
            else:
                await api_publish(a if n % 3 == 1 else b, channel, {"n": n})
        received = [await client.messages(COUNT) for client in [*on_b, sse_on_b, on_a]]
        # A marker after everything: nothing beyond COUNT arrives before it (no duplicates).
        await api_publish(a, channel, {"marker": True})
        extra = [await client.messages(1) for client in [*on_b, sse_on_b, on_a]]
        for client in [*on_b, sse_on_b, on_a]:
            client.close()
        return received, extra

    received, extra = run(scenario())
    for messages in received:
        assert [m["pos"]["offset"] for m in messages] == list(range(1, COUNT + 1))
        assert [m["data"]["n"] for m in messages] == list(range(1, COUNT + 1))
    assert all(marker[0]["data"] == {"marker": True} and marker[0]["pos"]["offset"] == COUNT + 1 for marker in extra)


def test_an_upstream_post_to_the_other_process_reaches_the_stream(servers, channel):
    a, b = servers

    async def scenario():
        client = await SseClient.open(a, token("ada"))
        client.post_to = b
        subscribed = await client.command("subscribe", channel=channel)
        published = await client.command("publish", channel=channel, event="e", data={"via": "b"}, key="x1")
        message = (await client.messages(1))[0]
        forbidden = await client.post({"id": 50, "type": "ping"}, token=token("bob"))
        client.close()
        return subscribed, published, message, forbidden

    subscribed, published, message, forbidden = run(scenario())
    assert subscribed["ok"] and published["result"]["position"]["offset"] == 1
    assert message["data"] == {"via": "b"}
    assert forbidden.status == 403 and forbidden.json()["error"]["code"] == "FORBIDDEN"


def test_polls_and_commands_may_land_on_any_process(servers, channel):
    a, b = servers

    async def scenario():
        client = await PollClient.open(a, token("ada"))
        client.poll_to = b
        client.server = b  # upstream commands through B as well
        subscribed = await client.command("subscribe", channel=channel)
        held = asyncio.ensure_future(client.messages(2))
        await api_publish(a, channel, {"n": 1})
        await api_publish(b, channel, {"n": 2})
        messages = await held
        forbidden = await client.poll(token=token("bob"))
        return subscribed, messages, forbidden

    subscribed, messages, forbidden = run(scenario())
    assert subscribed["ok"]
    assert [m["data"]["n"] for m in messages] == [1, 2]
    assert forbidden.status == 403


def test_a_ticket_minted_by_one_process_opens_a_stream_on_the_other(servers):
    a, b = servers
    from tests.support.clients import bearer
    from tests.support.http_client import request, stream

    async def scenario():
        ticket = (await request("POST", f"{a.url}/sse/ticket", bearer(token()), {"id": 1, "type": "connect", "v": 1})).json()["ticket"]
        opened = await stream("GET", f"{b.url}/sse?ticket={ticket}")
        status = opened.status
        opened.close()
        reused = await request("GET", f"{a.url}/sse?ticket={ticket}")
        return status, reused.status

    assert run(scenario()) == (200, 401)
