"""SSE: tickets, the stream, upstream commands."""
import json

from tests.conftest import run
from tests.support.clients import SseClient, WsClient, bearer
from tests.support.http_client import request, stream
from tests.support.tokens import token

CONNECT = {"id": 1, "type": "connect", "v": 1}


def test_the_stream_starts_with_retry_then_the_connect_reply(server):
    async def scenario():
        ticket = (await request("POST", f"{server.url}/sse/ticket", bearer(token()), CONNECT)).json()
        opened = await stream("GET", f"{server.url}/sse?ticket={ticket['ticket']}")
        blocks = [await opened.read_block(), await opened.read_block()]
        opened.close()
        return ticket, opened.headers, blocks

    ticket, headers, blocks = run(scenario())
    assert ticket["ticket"].startswith("t_") and ticket["expiresInMs"] == 30_000
    assert headers["content-type"] == "text/event-stream"
    assert headers["x-accel-buffering"] == "no"
    assert blocks[0] == "retry: 86400000"
    reply = json.loads(blocks[1].removeprefix("data: "))
    assert reply["type"] == "reply" and reply["id"] == 1 and reply["result"]["session"].startswith("s_")


def test_ticket_requests_are_checked_like_connect(server):
    async def scenario():
        url = f"{server.url}/sse/ticket"
        return [
            await request("POST", url, {}, CONNECT),
            await request("POST", url, bearer(token(ttl_s=-5)), CONNECT),
            await request("POST", url, bearer(token(secret="other")), CONNECT),
            await request("POST", url, bearer(token()), {"id": 1, "type": "connect", "v": 9}),
            await request("POST", url, bearer(token()), {"id": 1, "type": "ping"}),
            await request("POST", url, bearer(token()), "nope"),
        ]

    answers = run(scenario())
    assert [(a.status, a.json()["error"]["code"]) for a in answers] == [
        (401, "UNAUTHORIZED"), (401, "TOKEN_EXPIRED"), (401, "UNAUTHORIZED"),
        (400, "UNSUPPORTED_VERSION"), (400, "BAD_REQUEST"), (400, "BAD_REQUEST"),
    ]


def test_tickets_are_single_use_opaque_and_refused_once_the_token_expired(server):
    async def scenario():
        ticket = (await request("POST", f"{server.url}/sse/ticket", bearer(token()), CONNECT)).json()["ticket"]
        first = await stream("GET", f"{server.url}/sse?ticket={ticket}")
        first.close()
        second = await request("GET", f"{server.url}/sse?ticket={ticket}")
        unknown = await request("GET", f"{server.url}/sse?ticket=t_forged")
        missing = await request("GET", f"{server.url}/sse")
        short_lived = token(ttl_s=1)
        late = (await request("POST", f"{server.url}/sse/ticket", bearer(short_lived), CONNECT)).json()["ticket"]
        # The server's own clock says when that token has expired: a WebSocket on it gets 4200.
        clock = await WsClient.open(server, short_lived)
        _, code = await clock.closed()
        expired = await request("GET", f"{server.url}/sse?ticket={late}")
        return ticket, first.status, code, [second, unknown, missing, expired]

    ticket, first, code, refused = run(scenario())
    assert "." not in ticket  # opaque: not a signed blob carrying the claims
    assert first == 200 and code == 4200
    assert [(a.status, a.json()["error"]["code"]) for a in refused] == [(401, "BAD_TICKET")] * 3 + [(401, "TOKEN_EXPIRED")]


def test_upstream_commands_are_answered_on_the_stream_and_checked_on_post(server, channel):
    async def scenario():
        client = await SseClient.open(server, token("ada"))
        subscribed = await client.command("subscribe", channel=channel)
        published = await client.command("publish", channel=channel, event="e", data={"n": 1}, key="k1")
        message = (await client.messages(1))[0]
        other_user = await client.post({"id": 9, "type": "ping"}, token=token("bob"))
        no_session = await client.post({"id": 9, "type": "ping"}, session="s_unknown")
        no_auth = await request("POST", f"{server.url}/sse/send", {"Lifeline-Session": client.session}, {"id": 9, "type": "ping"})
        bad = await client.post("{nope")
        unknown = await client.post({"id": 9, "type": "teleport"})
        second_connect = await client.post(CONNECT)
        too_large = await client.post({"id": 9, "type": "publish", "channel": channel, "event": "e", "key": "k", "data": "x" * 70_000})
        client.close()
        return client, subscribed, published, message, [other_user, no_session, no_auth, bad, unknown, second_connect, too_large]

    client, subscribed, published, message, errors = run(scenario())
    assert subscribed["ok"] and published["result"]["position"]["offset"] == 1
    assert message["data"] == {"n": 1}
    assert client.event_ids[(channel, 1)] == f"{message['pos']['epoch']}:1:{channel}"
    assert [(a.status, a.json()["error"]["code"]) for a in errors] == [
        (403, "FORBIDDEN"), (404, "SESSION_NOT_FOUND"), (401, "UNAUTHORIZED"), (400, "BAD_REQUEST"),
        (400, "UNKNOWN_COMMAND"), (400, "ALREADY_CONNECTED"), (413, "FRAME_TOO_LARGE"),
    ]


def test_upstream_to_a_closed_stream_is_session_not_found(server):
    async def scenario():
        client = await SseClient.open(server, token("ada"))
        client.close()
        for _ in range(500):  # until the server noticed the stream is gone (bounded, one round trip each)
            answer = await client.post({"id": 2, "type": "ping"})
            if answer.status == 404:
                return answer
        return answer

    answer = run(scenario())
    assert answer.status == 404 and answer.json()["error"]["code"] == "SESSION_NOT_FOUND"
