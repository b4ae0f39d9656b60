"""Token refresh, token expiry on live connections, heartbeats and the heartbeat timeout."""
from tests.conftest import run
from tests.support.clients import SseClient, WsClient
from tests.support.tokens import token


def test_refresh_with_the_same_subject_moves_the_expiry(server):
    async def scenario():
        client = await WsClient.open(server, token("ada", ttl_s=60))
        refreshed = await client.command("refresh", token=token("ada", ttl_s=900))
        client.close()
        return client.connect_reply, refreshed

    connected, refreshed = run(scenario())
    assert connected["result"]["expiresInMs"] <= 60_000
    assert 890_000 < refreshed["result"]["expiresInMs"] <= 900_000


def test_refresh_with_another_subject_is_forbidden_and_the_old_token_stays(server):
    async def scenario():
        client = await WsClient.open(server, token("ada", ttl_s=2))
        other = await client.command("refresh", token=token("bob", ttl_s=900))
        invalid = await client.command("refresh", token="garbage")
        # The connection still runs on the old two-second token: it expires.
        frames, code = await client.closed()
        return other, invalid, frames, code

    other, invalid, frames, code = run(scenario())
    assert other["error"]["code"] == "FORBIDDEN"
    assert invalid["error"]["code"] == "UNAUTHORIZED"
    assert frames[-1] == {"type": "disconnect", "code": 4200, "reason": "token expired"}
    assert code == 4200


def test_a_token_that_expires_on_a_live_sse_stream_ends_it_with_4200(server):
    async def scenario():
        client = await SseClient.open(server, token("ada", ttl_s=2))
        frames = []
        while not frames or frames[-1]["type"] != "disconnect":
            frames.append(await client.frame())
        end = await client.stream.read_block()
        client.close()
        return frames[-1], end

    disconnect, end = run(scenario())
    assert disconnect == {"type": "disconnect", "code": 4200, "reason": "token expired"}
    assert end is None


def test_the_server_pings_at_the_heartbeat_interval_on_both_transports(server):
    async def scenario():
        ws = await WsClient.open(server, token())
        ws.skip_pings = False
        ws_ping = await ws.frame()
        ws.close()
        sse = await SseClient.open(server, token())
        sse.skip_pings = False
        sse_ping = await sse.frame()
        sse.close()
        return ws_ping, sse_ping, sse.heartbeat_comments

    ws_ping, sse_ping, comments = run(scenario())
    assert ws_ping == {"type": "ping"} and sse_ping == {"type": "ping"}
    assert comments == 1


def test_the_ping_command_is_answered(server):
    async def scenario():
        client = await WsClient.open(server, token())
        reply = await client.command("ping")
        client.close()
        return reply

    assert run(scenario()) == {"type": "reply", "id": 2, "ok": True, "result": {}}


def test_a_websocket_client_silent_for_two_heartbeats_is_closed_with_4004(server):
    async def scenario():
        client = await WsClient.open(server, token())
        client.skip_pings = False  # reads pings without answering them
        return await client.closed()

    frames, code = run(scenario())
    assert frames[-1]["type"] == "disconnect" and frames[-1]["code"] == 4004
    assert code == 4004
