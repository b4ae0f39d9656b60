"""Client publish, idempotency keys, the HTTP publish API, notify() from Django code, CORS, health."""
import uuid

from tests.conftest import ALLOWED_ORIGIN, run
from tests.support.clients import WsClient
from tests.support.http_client import request
from tests.support.tokens import API_KEY, token


def test_publishers_receive_their_own_messages_and_a_repeated_key_is_acknowledged_once(server, channel):
    async def scenario():
        client = await WsClient.open(server, token("ada"))
        await client.command("subscribe", channel=channel)
        first = await client.command("publish", channel=channel, event="card_moved", data={"card": "c1"}, key="k-1")
        repeat = await client.command("publish", channel=channel, event="card_moved", data={"card": "c1"}, key="k-1")
        second = await client.command("publish", channel=channel, event="card_moved", data={"card": "c2"}, key="k-2")
        messages = await client.messages(2)
        client.close()
        return first, repeat, second, messages

    first, repeat, second, messages = run(scenario())
    assert first["result"]["duplicate"] is False and first["result"]["position"]["offset"] == 1
    assert repeat["result"] == {"position": first["result"]["position"], "duplicate": True}
    assert second["result"]["position"]["offset"] == 2
    assert [m["data"]["card"] for m in messages] == ["c1", "c2"]


def test_idempotency_keys_are_scoped_per_publisher(server, channel):
    async def scenario():
        ada = await WsClient.open(server, token("ada"))
        bob = await WsClient.open(server, token("bob"))
        by_ada = await ada.command("publish", channel=channel, event="e", data=1, key="same")
        by_bob = await bob.command("publish", channel=channel, event="e", data=2, key="same")
        ada.close()
        bob.close()
        return by_ada, by_bob

    by_ada, by_bob = run(scenario())
    assert by_ada["result"]["duplicate"] is False and by_bob["result"]["duplicate"] is False
    assert by_bob["result"]["position"]["offset"] == 2


def test_publish_needs_a_key_and_json_data(server, channel):
    async def scenario():
        client = await WsClient.open(server, token())
        no_key = await client.command("publish", channel=channel, event="e", data=1)
        client.send_raw('{"id":9,"type":"publish","channel":"%s","event":"e","key":"k"}' % channel)
        no_data = await client.frame()
        client.close()
        return no_key, no_data

    no_key, no_data = run(scenario())
    assert no_key["error"]["code"] == "BAD_REQUEST" and no_data["error"]["code"] == "BAD_REQUEST"


def test_the_publish_api_needs_the_api_key_and_a_valid_body(server, channel):
    async def scenario():
        url = f"{server.url}/publish"
        auth = {"Authorization": f"Bearer {API_KEY}"}
        return [
            await request("POST", url, {}, {"channel": channel, "event": "e", "data": 1}),
            await request("POST", url, {"Authorization": "Bearer wrong"}, {"channel": channel, "event": "e", "data": 1}),
            await request("POST", url, auth, "{nope"),
            await request("POST", url, auth, {"channel": "bad channel", "event": "e", "data": 1}),
            await request("POST", url, auth, {"channel": channel, "event": "e"}),
            await request("POST", url, auth, {"channel": channel, "event": "e", "data": 1, "key": 7}),
            await request("POST", url, auth, {"channel": channel, "event": "e", "data": "x" * 70_000}),
            await request("POST", url, auth, {"channel": channel, "event": "e", "data": None, "key": "api-1"}),
            await request("POST", url, auth, {"channel": channel, "event": "e", "data": None, "key": "api-1"}),
        ]

    answers = run(scenario())
    codes = [(a.status, a.json().get("error", {}).get("code")) for a in answers[:7]]
    assert codes == [(401, "UNAUTHORIZED"), (401, "UNAUTHORIZED"), (400, "BAD_REQUEST"), (400, "BAD_REQUEST"),
                     (400, "BAD_REQUEST"), (400, "BAD_REQUEST"), (413, "FRAME_TOO_LARGE")]
    first, repeat = answers[7].json(), answers[8].json()
    assert first["duplicate"] is False and first["position"]["offset"] == 1
    assert repeat == {"position": first["position"], "duplicate": True}


def test_notify_from_django_code_reaches_subscribers(server, channel, django_settings):
    import datetime
    import decimal

    from lifeline_channels import notify

    async def scenario():
        client = await WsClient.open(server, token())
        await client.command("subscribe", channel=channel)
        # notify() is sync (views, signals, tasks): here from a thread, as a sync view would run.
        import asyncio

        outcome = await asyncio.to_thread(notify, channel, "invoice_paid", {"amount": decimal.Decimal("12.50"), "at": datetime.date(2024, 5, 1)})
        repeat = await asyncio.to_thread(notify, channel, "invoice_paid", {}, "invoice-1")
        again = await asyncio.to_thread(notify, channel, "invoice_paid", {}, "invoice-1")
        messages = await client.messages(2)
        client.close()
        return outcome, repeat, again, messages

    outcome, repeat, again, messages = run(scenario())
    assert outcome["position"]["offset"] == 1 and outcome["duplicate"] is False
    assert again == {"position": repeat["position"], "duplicate": True}
    assert messages[0]["event"] == "invoice_paid"
    assert messages[0]["data"] == {"amount": "12.50", "at": "2024-05-01"}
    assert messages[1]["pos"]["offset"] == 2


def test_notify_refuses_bad_input_with_value_error(django_settings):
    import pytest

    from lifeline_channels import notify

    with pytest.raises(ValueError):
        notify("bad channel", "e", 1)
    with pytest.raises(ValueError):
        notify("board:x", "", 1)


def test_anotify_publishes_from_async_code(server, channel, django_settings):
    from lifeline_channels import anotify

    async def scenario():
        client = await WsClient.open(server, token())
        await client.command("subscribe", channel=channel)
        outcome = await anotify(channel, "tick", {"n": 1})
        message = (await client.messages(1))[0]
        client.close()
        return outcome, message

    outcome, message = run(scenario())
    assert message["pos"] == outcome["position"] and message["data"] == {"n": 1}


def test_cors_preflight_and_headers_follow_the_allowlist(server):
    async def scenario():
        allowed = await request("OPTIONS", f"{server.url}/sse/ticket", {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"})
        refused = await request("OPTIONS", f"{server.url}/sse/ticket", {"Origin": "http://evil.test"})
        post = await request("POST", f"{server.url}/sse/ticket", {"Origin": "http://evil.test", "Authorization": f"Bearer {token()}"}, {"id": 1, "type": "connect", "v": 1})
        ok = await request("POST", f"{server.url}/sse/ticket", {"Origin": ALLOWED_ORIGIN, "Authorization": f"Bearer {token()}"}, {"id": 1, "type": "connect", "v": 1})
        return allowed, refused, post, ok

    allowed, refused, post, ok = run(scenario())
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "lifeline-session" in allowed.headers["access-control-allow-headers"]
    assert refused.status == 403 and "access-control-allow-origin" not in refused.headers
    assert post.status == 403 and post.json()["error"]["code"] == "ORIGIN_NOT_ALLOWED"
    assert ok.status == 200 and ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_a_preflight_lists_the_methods_of_its_path_and_a_refused_one_says_why(server):
    """As on the mock server: the path's methods and OPTIONS, and a typed error body for an origin
    outside the allowlist, like every other error answer."""
    async def scenario():
        ticket = await request("OPTIONS", f"{server.url}/sse/ticket", {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"})
        stream = await request("OPTIONS", f"{server.url}/sse", {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"})
        refused = await request("OPTIONS", f"{server.url}/poll", {"Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
        return ticket, stream, refused

    ticket, stream, refused = run(scenario())
    assert ticket.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert stream.headers["access-control-allow-methods"] == "GET, OPTIONS"
    assert refused.status == 403 and refused.json()["error"]["code"] == "ORIGIN_NOT_ALLOWED"


def test_healthz_reports_ok_and_metrics_are_prometheus_text(server):
    async def scenario():
        return await request("GET", f"{server.url}/healthz"), await request("GET", f"{server.url}/metrics")

    health, metrics = run(scenario())
    assert health.status == 200 and health.json()["status"] == "ok"
    assert 'lifeline_connections{transport="websocket"}' in metrics.body.decode()


def test_a_view_publishes_with_notify(server, channel):
    async def scenario():
        client = await WsClient.open(server, token("grace"))
        await client.command("subscribe", channel="user:grace")
        order = uuid.uuid4().int % 10**9
        url = f"{server.url}/example/orders/{order}/ship?user=grace"
        first = await request("POST", url, {"Authorization": f"Bearer {API_KEY}"})
        retried = await request("POST", url, {"Authorization": f"Bearer {API_KEY}"})
        message = (await client.messages(1))[0]
        client.close()
        return order, first.json(), retried.json(), message

    order, first, retried, message = run(scenario())
    assert message["event"] == "order_shipped" and message["data"] == {"order": order}
    assert retried == {"position": first["position"], "duplicate": True}
