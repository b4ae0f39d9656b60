"""Frame size, subscription count and command rate limits."""
import json
import uuid

from tests.conftest import run
from tests.support.clients import WsClient
from tests.support.tokens import token


def test_a_frame_over_64_kib_is_refused_and_the_connection_kept(server, channel):
    async def scenario():
        client = await WsClient.open(server, token())
        big = json.dumps({"id": 7, "type": "publish", "channel": channel, "event": "e", "key": "k", "data": "x" * 70_000})
        client.send_raw(big)
        with_id = await client.frame()
        client.send_raw(json.dumps({"type": "publish", "data": "x" * 70_000, "id": 8, "channel": channel})[::-1])
        without_id = await client.frame()
        fits = await client.command("publish", channel=channel, event="e", key="k", data="x" * 60_000)
        client.close()
        return with_id, without_id, fits

    with_id, without_id, fits = run(scenario())
    assert with_id["type"] == "reply" and with_id["id"] == 7 and with_id["error"]["code"] == "FRAME_TOO_LARGE"
    assert without_id["type"] == "error" and without_id["error"]["code"] == "FRAME_TOO_LARGE"
    assert fits["ok"] is True


def test_at_most_128_subscriptions_per_connection(server):
    async def scenario():
        client = await WsClient.open(server, token())
        prefix = uuid.uuid4().hex[:8]
        replies = [await client.command("subscribe", channel=f"board:{prefix}-{n}") for n in range(129)]
        client.close()
        return replies

    replies = run(scenario())
    assert all(reply["ok"] for reply in replies[:128])
    assert replies[128]["error"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


def test_a_burst_over_the_rate_gets_rate_limited_replies_with_retry_advice(server):
    async def scenario():
        client = await WsClient.open(server, token())
        for n in range(2, 302):
            client.send_raw(json.dumps({"id": n, "type": "ping"}))
        replies = [await client.reply(n) for n in range(2, 302)]
        client.close()
        return replies

    replies = run(scenario())
    limited = [reply for reply in replies if not reply["ok"]]
    # A burst of 200 (one token went to connect) passes; the bucket refills at 100/s meanwhile.
    assert 199 <= sum(reply["ok"] for reply in replies) < 290
    assert limited and all(reply["error"]["code"] == "RATE_LIMITED" and reply["error"]["retryAfterMs"] >= 1 for reply in limited)
    assert [reply["id"] for reply in replies] == list(range(2, 302))


def test_a_flood_of_rate_limited_frames_is_disconnected_with_4002(server):
    async def scenario():
        client = await WsClient.open(server, token())
        # 200 pass, then 1000 rate-limited frames (pongs: no replies to wade through) end it.
        for _ in range(1400):
            client.send_raw('{"type":"pong"}')
        return await client.closed()

    frames, code = run(scenario())
    assert frames[-1] == {"type": "disconnect", "code": 4002, "reason": "command flood", "retryAfterMs": 5000}
    assert code == 4002
