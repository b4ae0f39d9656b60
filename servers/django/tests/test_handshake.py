"""The WebSocket handshake and the errors around it."""
import pytest

from tests.conftest import ALLOWED_ORIGIN, run
from tests.support.clients import WsClient
from tests.support.tokens import token
from tests.support.ws_client import HandshakeRefused


def test_connect_replies_with_session_heartbeat_and_token_lifetime(server):
    async def scenario():
        client = await WsClient.open(server, token(ttl_s=600))
        result = client.connect_reply["result"]
        client.close()
        return client.connect_reply, result

    reply, result = run(scenario())
    assert reply["ok"] is True and reply["id"] == 1
    assert result["session"].startswith("s_")
    assert result["heartbeatMs"] == 1500
    assert 590_000 < result["expiresInMs"] <= 600_000


def test_unsupported_version_is_refused_and_closed_with_4301(server):
    async def scenario():
        client = await WsClient.open(server, connect=False)
        await client._send({"id": 1, "type": "connect", "v": 2, "token": token()})
        return await client.closed()

    frames, code = run(scenario())
    assert frames[0]["error"]["code"] == "UNSUPPORTED_VERSION"
    assert frames[1] == {"type": "disconnect", "code": 4301, "reason": "unsupported protocol version"}
    assert code == 4301


@pytest.mark.parametrize("bad_token, code, close", [
    (token(secret="another-secret"), "UNAUTHORIZED", 4201),
    (token(ttl_s=-10), "TOKEN_EXPIRED", 4200),
    (token(ttl_s=2 * 86_400), "UNAUTHORIZED", 4201),  # expires more than 24 h from now
    ("not-a-jwt", "UNAUTHORIZED", 4201),
    (None, "UNAUTHORIZED", 4201),
])
def test_a_bad_token_gets_its_code_and_the_matching_close(server, bad_token, code, close):
    async def scenario():
        client = await WsClient.open(server, connect=False)
        frame = {"id": 1, "type": "connect", "v": 1}
        if bad_token is not None:
            frame["token"] = bad_token
        await client._send(frame)
        return await client.closed()

    frames, closed_with = run(scenario())
    assert frames[0]["ok"] is False and frames[0]["error"]["code"] == code
    assert frames[1]["type"] == "disconnect" and frames[1]["code"] == close
    assert closed_with == close


def test_alg_none_tokens_are_refused(server):
    import base64
    import json

    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    unsigned = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'ada', 'exp': 4102444800})}."

    async def scenario():
        client = await WsClient.open(server, connect=False)
        await client._send({"id": 1, "type": "connect", "v": 1, "token": unsigned})
        return await client.closed()

    frames, code = run(scenario())
    assert frames[0]["error"]["code"] == "UNAUTHORIZED" and code == 4201


def test_a_command_before_connect_gets_not_connected_and_4301(server):
    async def scenario():
        client = await WsClient.open(server, connect=False)
        await client._send({"id": 1, "type": "subscribe", "channel": "leaderboard"})
        return await client.closed()

    frames, code = run(scenario())
    assert frames[0] == {"type": "reply", "id": 1, "ok": False, "error": {"code": "NOT_CONNECTED", "message": "Send connect first"}}
    assert code == 4301


def test_no_connect_frame_in_time_closes_with_4003(server):
    async def scenario():
        client = await WsClient.open(server, connect=False)
        return await client.closed()

    frames, code = run(scenario())
    assert frames == [{"type": "disconnect", "code": 4003, "reason": "no connect frame in time"}]
    assert code == 4003


def test_commands_pipelined_behind_connect_are_answered_in_order(server):
    async def scenario():
        client = await WsClient.open(server, connect=False)
        for frame in ({"id": 1, "type": "connect", "v": 1, "token": token()}, {"id": 2, "type": "ping"}, {"id": 3, "type": "subscribe", "channel": "leaderboard"}):
            await client._send(frame)
        frames = [await client.frame() for _ in range(3)]
        client.close()
        return frames

    frames = run(scenario())
    assert [frame["id"] for frame in frames] == [1, 2, 3]
    assert all(frame["ok"] for frame in frames)


def test_a_second_connect_is_already_connected(server):
    async def scenario():
        client = await WsClient.open(server, token())
        reply = await client.command("connect", v=1, token=token())
        client.close()
        return reply

    assert run(scenario())["error"]["code"] == "ALREADY_CONNECTED"


def test_origins_outside_the_allowlist_are_refused_at_the_upgrade(server):
    async def scenario():
        with pytest.raises(HandshakeRefused) as refused:
            await WsClient.open(server, origin="http://evil.test", connect=False)
        allowed = await WsClient.open(server, token(), origin=ALLOWED_ORIGIN)
        allowed.close()
        return refused.value.status, allowed.connect_reply["ok"]

    assert run(scenario()) == (403, True)


def test_malformed_frames_get_typed_errors_and_the_connection_stays(server):
    async def scenario():
        client = await WsClient.open(server, token())
        client.send_raw("{not json")
        not_json = await client.frame()
        client.send_raw('{"id":5,"type":"teleport"}')
        unknown = await client.frame()
        client.send_raw('{"id":6,"type":"subscribe","channel":"has spaces"}')
        bad_channel = await client.frame()
        client.socket.send_binary(b"\x00\x01")
        binary = await client.frame()
        client.send_raw("[" * 5000 + "]" * 5000)
        deep = await client.frame()
        alive = await client.command("ping")
        client.close()
        return not_json, unknown, bad_channel, binary, deep, alive

    not_json, unknown, bad_channel, binary, deep, alive = run(scenario())
    assert not_json == {"type": "error", "error": {"code": "BAD_REQUEST", "message": "Frame is not valid JSON"}}
    assert unknown["id"] == 5 and unknown["error"]["code"] == "UNKNOWN_COMMAND"
    assert bad_channel["id"] == 6 and bad_channel["error"]["code"] == "BAD_REQUEST"
    assert binary["type"] == "error" and binary["error"]["code"] == "BAD_REQUEST"
    assert deep["type"] == "error" and deep["error"]["code"] == "BAD_REQUEST"
    assert alive["ok"] is True


def test_a_command_type_that_is_not_a_name_is_an_unknown_command_and_the_connection_stays(server):
    """The reply names the type it refuses: one that JSON cannot print (1e400 parses to infinity)
    made the server fail on the frame instead."""
    async def scenario():
        client = await WsClient.open(server, token())
        client.send_raw('{"id":5,"type":1e400}')
        client.send_raw('{"id":6,"type":[1e400]}')
        client.send_raw('{"id":7,"type":{"a":1}}')
        replies = [await client.reply(command_id) for command_id in (5, 6, 7)]
        alive = await client.command("ping")
        client.close()
        return replies, alive

    replies, alive = run(scenario())
    assert [reply["error"]["code"] for reply in replies] == ["UNKNOWN_COMMAND"] * 3
    assert alive["ok"] is True
