"""Every publication passes one door: depth, size, well-formed Unicode, finite numbers."""
import json

import pytest

from tests.conftest import run
from tests.support.clients import SseClient, WsClient
from tests.support.http_client import request
from tests.support.tokens import API_KEY, token


def nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("data, code", [
    (nested(32), None),
    (nested(33), "BAD_REQUEST"),
    ('"\\ud800"', "BAD_REQUEST"),
    ('{"\\udc00":1}', "BAD_REQUEST"),
    ("1e400", "BAD_REQUEST"),
    ('"é😀"', None),
    ("12345678901234567890", None),
])
def test_client_publishes_are_checked_before_anything_is_stored(server, channel, data, code):
    async def scenario():
        client = await WsClient.open(server, token())
        await client.command("subscribe", channel=channel)
        # Keys are per publisher: a key of its own, or an earlier case's publish would be this one's duplicate.
        client.send_raw('{"id":5,"type":"publish","channel":"%s","event":"e","key":"%s","data":%s}' % (channel, channel, data))
        reply = await client.reply(5)
        message = (await client.messages(1))[0] if reply["ok"] else None
        client.close()
        return reply, message

    reply, message = run(scenario())
    if code is None:
        assert reply["ok"] is True and message["data"] == json.loads(data)
    else:
        assert reply["error"]["code"] == code


def test_the_publish_api_checks_data_the_same_way(server, channel):
    async def scenario():
        url = f"{server.url}/publish"
        auth = {"Authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
        deep = await request("POST", url, auth, '{"channel":"%s","event":"e","data":%s}' % (channel, nested(40)))
        surrogate = await request("POST", url, auth, '{"channel":"%s","event":"\\ud800","data":1}' % channel)
        return deep, surrogate

    deep, surrogate = run(scenario())
    assert deep.status == 400 and deep.json()["error"]["code"] == "BAD_REQUEST"
    assert surrogate.status == 400 and surrogate.json()["error"]["code"] == "BAD_REQUEST"


def test_notify_refuses_what_the_protocol_refuses(django_settings):
    from lifeline_channels import notify

    deep = []
    for _ in range(40):
        deep = [deep]
    for bad in (deep, float("inf"), "x" * 70_000, {"\ud800": 1}):
        with pytest.raises(ValueError):
            notify("board:x", "e", bad)


def test_unknown_paths_and_methods_are_typed(server):
    async def scenario():
        return (await request("GET", f"{server.url}/sse/tickets"), await request("GET", f"{server.url}/sse/ticket"))

    missing, wrong_method = run(scenario())
    assert missing.status == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert wrong_method.status == 405 and wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert wrong_method.headers["allow"] == "POST"


def test_the_websocket_path_without_an_upgrade_is_told_what_to_do(server):
    async def scenario():
        return (await request("GET", f"{server.url}/ws"), await request("POST", f"{server.url}/ws"))

    plain_get, post = run(scenario())
    assert plain_get.status == 400 and plain_get.json()["error"]["code"] == "BAD_REQUEST"
    assert "upgrade" in plain_get.json()["error"]["message"]
    assert post.status == 405 and post.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert post.headers["allow"] == "GET"


@pytest.mark.parametrize("data, code", [
    (nested(32), None),
    (nested(33), "BAD_REQUEST"),
    ('"\\ud800"', "BAD_REQUEST"),
    ("1e400", "BAD_REQUEST"),
    ('{"name":"é😀"}', None),
])
def test_presence_data_is_checked_like_published_data(server, channel, data, code):
    """Presence data nests one level inside `presence`; an infinity made the server fail on the frame."""
    async def scenario():
        client = await WsClient.open(server, token())
        client.send_raw('{"id":5,"type":"subscribe","channel":"%s","presence":{"data":%s}}' % (channel, data))
        reply = await client.reply(5)
        alive = await client.command("ping")
        client.close()
        return reply, alive

    reply, alive = run(scenario())
    assert alive["ok"] is True
    if code is None:
        assert reply["ok"] is True and reply["result"]["presence"][0]["data"] == json.loads(data)
    else:
        assert reply["error"]["code"] == code


def test_a_frame_json_cannot_print_is_a_typed_refusal_over_http_too(server, channel):
    """The same frames through `POST /sse/send`: 400 with the code, not a 500 from a failed encode."""
    async def scenario():
        client = await SseClient.open(server, token())
        presence = await client.post('{"id":5,"type":"subscribe","channel":"%s","presence":{"data":1e400}}' % channel)
        kind = await client.post('{"id":6,"type":[1e400]}')
        alive = await client.command("ping")
        client.close()
        return presence, kind, alive

    presence, kind, alive = run(scenario())
    assert (presence.status, presence.json()["error"]["code"]) == (400, "BAD_REQUEST")
    assert (kind.status, kind.json()["error"]["code"]) == (400, "UNKNOWN_COMMAND")
    assert alive["ok"] is True
