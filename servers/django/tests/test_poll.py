"""Long-polling: connect, held polls, acks, re-sent batches, ownership, routing between processes."""
import asyncio

from tests.conftest import run
from tests.support.channels import api_publish
from tests.support.clients import PollClient, bearer
from tests.support.http_client import request
from tests.support.tokens import token

CONNECT = {"id": 1, "type": "connect", "v": 1}


def test_connect_answers_at_once_with_seq_1_and_the_connect_reply(server):
    async def scenario():
        return await request("POST", f"{server.url}/poll/connect", bearer(token()), CONNECT)

    answer = run(scenario())
    body = answer.json()
    assert answer.status == 200 and body["seq"] == 1
    assert body["frames"][0]["type"] == "reply" and body["frames"][0]["id"] == 1
    assert body["frames"][0]["result"]["heartbeatMs"] == 1500


def test_connect_errors_are_like_the_ticket_request(server):
    async def scenario():
        url = f"{server.url}/poll/connect"
        return [
            await request("POST", url, {}, CONNECT),
            await request("POST", url, bearer(token(ttl_s=-5)), CONNECT),
            await request("POST", url, bearer(token()), {"id": 1, "type": "connect", "v": 2}),
        ]

    answers = run(scenario())
    assert [(a.status, a.json()["error"]["code"]) for a in answers] == [(401, "UNAUTHORIZED"), (401, "TOKEN_EXPIRED"), (400, "UNSUPPORTED_VERSION")]


def test_an_idle_poll_is_held_then_answered_empty_with_the_same_seq(server):
    async def scenario():
        client = await PollClient.open(server, token())
        return await client.poll()

    answer = run(scenario())
    assert answer.status == 200 and answer.json() == {"seq": 1, "frames": []}


def test_a_held_poll_answers_as_soon_as_frames_arrive(server, channel):
    async def scenario():
        client = await PollClient.open(server, token())
        await client.command("subscribe", channel=channel)
        held = asyncio.ensure_future(client.poll())
        await api_publish(server, channel, {"n": 1})
        answer = await held
        return answer.json()

    body = run(scenario())
    assert [frame["data"] for frame in body["frames"] if frame["type"] == "message"] == [{"n": 1}]


def test_a_lost_response_is_sent_again_by_the_next_poll_with_the_same_ack(server, channel):
    async def scenario():
        client = await PollClient.open(server, token())
        await client.command("subscribe", channel=channel)
        for n in range(1, 4):
            await api_publish(server, channel, {"n": n})
        ack = client.ack
        first = (await client.poll(ack)).json()
        again = (await client.poll(ack)).json()
        after = (await client.poll(first["seq"])).json()
        return ack, first, again, after

    ack, first, again, after = run(scenario())
    assert [f["data"]["n"] for f in first["frames"] if f["type"] == "message"] == [1, 2, 3]
    assert again == first
    assert first["seq"] == ack + len(first["frames"])
    assert [f for f in after["frames"] if f["type"] == "message"] == []


def test_a_newer_poll_answers_the_held_one_with_an_empty_batch(server, channel):
    async def scenario():
        client = await PollClient.open(server, token())
        await client.command("subscribe", channel=channel)
        older = asyncio.ensure_future(client.poll())
        # A full round trip after sending the older poll: the server has read it and holds it.
        await api_publish(server, f"{channel}-other", {})
        newer = asyncio.ensure_future(client.poll())
        done, _ = await asyncio.wait({older, newer}, return_when=asyncio.FIRST_COMPLETED)
        first_done = older in done
        await api_publish(server, channel, {"n": 1})
        return first_done, (await older).json(), (await newer).json(), client.ack

    first_done, older, newer, ack = run(scenario())
    assert first_done is True
    assert older == {"seq": ack, "frames": []}
    assert [f["data"] for f in newer["frames"] if f["type"] == "message"] == [{"n": 1}]


def test_polls_check_the_owner_the_session_and_the_ack(server):
    async def scenario():
        client = await PollClient.open(server, token("ada"))
        return [
            await client.poll(token=token("bob")),
            await client.poll(session="s_unknown"),
            await request("POST", f"{server.url}/poll", {"Lifeline-Session": client.session}, {"ack": 0}),
            await client.poll(ack=99),
            await request("POST", f"{server.url}/poll", {**bearer(token("ada")), "Lifeline-Session": client.session}, {"ack": -1}),
        ]

    answers = run(scenario())
    assert [(a.status, a.json()["error"]["code"]) for a in answers] == [
        (403, "FORBIDDEN"), (404, "SESSION_NOT_FOUND"), (401, "UNAUTHORIZED"), (400, "BAD_REQUEST"), (400, "BAD_REQUEST"),
    ]


def test_heartbeat_pings_are_queued_like_any_frame(server):
    async def scenario():
        client = await PollClient.open(server, token())
        client.skip_pings = False
        return await client.frame()

    assert run(scenario()) == {"type": "ping"}


def test_an_expired_token_leaves_its_disconnect_for_the_next_poll_then_the_session_is_gone(server):
    async def scenario():
        client = await PollClient.open(server, token("ada", ttl_s=1))
        frames = []
        while not frames or frames[-1]["type"] != "disconnect":
            frames.append(await client.frame())
        after = await client.poll(token=token("ada"))  # a fresh token: the session, not the token, is gone
        return frames[-1], after

    disconnect, after = run(scenario())
    assert disconnect == {"type": "disconnect", "code": 4200, "reason": "token expired"}
    assert after.status == 404


def test_a_session_that_lets_over_a_mebibyte_pile_up_is_cut_as_a_slow_consumer(server, channel):
    async def scenario():
        client = await PollClient.open(server, token())
        await client.command("subscribe", channel=channel)
        for n in range(20):  # 20 x 60 KB, never polled
            await api_publish(server, channel, {"n": n, "pad": "x" * 60_000})
        return await client.poll()

    answer = run(scenario())
    assert answer.status == 404 and answer.json()["error"]["code"] == "SESSION_NOT_FOUND"


def test_an_ack_behind_what_was_acknowledged_is_refused(server):
    async def scenario():
        client = await PollClient.open(server, token())
        await client.command("ping")
        return await client.poll(ack=0)

    answer = run(scenario())
    assert answer.status == 400 and answer.json()["error"]["code"] == "BAD_REQUEST"
