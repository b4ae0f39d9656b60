"""Subscriptions, channel rules, positions and recovery with `since`."""
import uuid

from tests.conftest import run
from tests.support.channels import api_publish, first_message_after_subscribing, publish_numbered, subscribed
from tests.support.clients import WsClient
from tests.support.tokens import token


def test_subscribe_receives_publications_in_order_with_offsets_increasing_by_one(server, channel):
    async def scenario():
        client, reply = await subscribed(server, channel)
        for n in range(1, 6):
            await api_publish(server, channel, {"n": n})
        messages = await client.messages(5)
        client.close()
        return reply, messages

    reply, messages = run(scenario())
    epoch = reply["result"]["position"]["epoch"]
    assert reply["result"] == {"position": {"epoch": epoch, "offset": 0}, "recovered": True}
    assert [m["data"]["n"] for m in messages] == [1, 2, 3, 4, 5]
    assert [m["pos"] for m in messages] == [{"epoch": epoch, "offset": n} for n in range(1, 6)]
    meta = messages[0]["meta"]
    assert messages[0] == {"type": "message", "channel": channel, "event": "update", "data": {"n": 1}, "pos": {"epoch": epoch, "offset": 1}, "meta": {"publisher": None, "time": meta["time"]}}


def test_without_since_the_cursor_is_the_latest_position_and_only_live_messages_follow(server, channel):
    async def scenario():
        await publish_numbered(server, channel, (1, 2))
        return await first_message_after_subscribing(server, channel, {"n": 3})

    reply, third, message = run(scenario())
    epoch = third["position"]["epoch"]
    assert reply["result"] == {"position": {"epoch": epoch, "offset": 2}, "recovered": True}
    assert message["data"] == {"n": 3} and message["pos"]["offset"] == 3


def test_since_replays_what_was_missed_after_the_reply_then_continues_live(server, channel):
    async def scenario():
        outcomes = await publish_numbered(server, channel, range(1, 6))
        epoch = outcomes[0]["position"]["epoch"]
        client, reply = await subscribed(server, channel, since={"epoch": epoch, "offset": 2})
        replayed = await client.messages(3)
        await api_publish(server, channel, {"n": 6})
        live = await client.messages(1)
        client.close()
        return epoch, reply, replayed + live

    epoch, reply, messages = run(scenario())
    assert reply["result"] == {"position": {"epoch": epoch, "offset": 2}, "recovered": True}
    assert [m["pos"]["offset"] for m in messages] == [3, 4, 5, 6]
    assert [m["data"]["n"] for m in messages] == [3, 4, 5, 6]


def test_since_from_another_epoch_replays_the_current_epoch_from_its_start_unrecovered(server, channel):
    # An epoch the channel no longer has (Redis restarted empty, say) while the current epoch is
    # still held whole: everything since the new epoch began comes back, flagged as not recovered.
    async def scenario():
        outcomes = await publish_numbered(server, channel, (1, 2))
        client, reply = await subscribed(server, channel, since={"epoch": "gone", "offset": 7})
        replayed = await client.messages(2)
        client.close()
        return outcomes[0]["position"]["epoch"], reply, replayed

    epoch, reply, replayed = run(scenario())
    assert reply["result"] == {"position": {"epoch": epoch, "offset": 0}, "recovered": False}
    assert [m["pos"]["offset"] for m in replayed] == [1, 2]


def test_since_from_another_epoch_once_history_was_trimmed_starts_at_the_latest_position(server, channel):
    async def scenario():
        outcomes = await publish_numbered(server, channel, range(1, 23))
        client, reply = await subscribed(server, channel, since={"epoch": "gone", "offset": 7})
        client.close()
        return outcomes[-1], reply

    latest, reply = run(scenario())
    assert reply["result"] == {"position": latest["position"], "recovered": False}


def test_since_ahead_of_the_channel_is_not_recovered(server, channel):
    async def scenario():
        latest = await api_publish(server, channel, {"n": 1})
        client, reply = await subscribed(server, channel, since={"epoch": latest["position"]["epoch"], "offset": 9})
        client.close()
        return latest, reply

    latest, reply = run(scenario())
    assert reply["result"] == {"position": latest["position"], "recovered": False}


def test_since_past_the_trimmed_history_is_not_recovered(server, channel):
    # The test servers keep 20 messages per channel.
    async def scenario():
        outcomes = await publish_numbered(server, channel, range(1, 26))
        epoch = outcomes[0]["position"]["epoch"]
        client, trimmed = await subscribed(server, channel, since={"epoch": epoch, "offset": 2})
        await client.command("unsubscribe", channel=channel)
        kept = await client.command("subscribe", channel=channel, since={"epoch": epoch, "offset": 5})
        replayed = await client.messages(20)
        client.close()
        return epoch, trimmed, kept, replayed

    epoch, trimmed, kept, replayed = run(scenario())
    assert trimmed["result"] == {"position": {"epoch": epoch, "offset": 25}, "recovered": False}
    assert kept["result"] == {"position": {"epoch": epoch, "offset": 5}, "recovered": True}
    assert [m["pos"]["offset"] for m in replayed] == list(range(6, 26))


def test_an_empty_channel_is_at_offset_zero_of_its_own_epoch(server):
    async def scenario():
        client = await WsClient.open(server, token())
        first = await client.command("subscribe", channel=f"board:{uuid.uuid4().hex}")
        second = await client.command("subscribe", channel=f"board:{uuid.uuid4().hex}")
        client.close()
        return first["result"]["position"], second["result"]["position"]

    first, second = run(scenario())
    assert first["offset"] == 0 and second["offset"] == 0
    assert first["epoch"] != second["epoch"]


def test_unsubscribe_stops_delivery_and_errors_are_typed(server, channel):
    async def scenario():
        client = await WsClient.open(server, token())
        await client.command("subscribe", channel=channel)
        twice = await client.command("subscribe", channel=channel)
        left = await client.command("unsubscribe", channel=channel)
        again = await client.command("unsubscribe", channel=channel)
        await api_publish(server, channel, {"n": 1})
        # A marker on another channel: whatever came before it on this connection has arrived.
        marker = f"board:{uuid.uuid4().hex}"
        await client.command("subscribe", channel=marker)
        await api_publish(server, marker, {"marker": True})
        seen = await client.messages(1)
        client.close()
        return twice, left, again, seen

    twice, left, again, seen = run(scenario())
    assert twice["error"]["code"] == "ALREADY_SUBSCRIBED"
    assert left == {"type": "reply", "id": 4, "ok": True, "result": {}}
    assert again["error"]["code"] == "NOT_SUBSCRIBED"
    assert seen[0]["data"] == {"marker": True}


def test_channel_rules_match_the_reference_server(server):
    cases = [
        ("ada", [], "user:ada", "subscribe", True),
        ("ada", [], "user:bob", "subscribe", False),
        ("ada", ["admin"], "user:bob", "subscribe", False),
        ("ada", [], "dashboard", "subscribe", False),
        ("ada", ["mentor"], "dashboard", "subscribe", True),
        ("ada", ["admin"], "dashboard", "subscribe", True),
        ("ada", [], "leaderboard", "subscribe", True),
        ("ada", [], "mentor:ada", "subscribe", True),
        ("ada", [], "mentor:bob", "subscribe", False),
        ("ada", ["admin"], "mentor:bob", "subscribe", True),
        ("ada", ["mentor"], "student:bob", "subscribe", True),
        ("ada", [], "student:bob", "subscribe", False),
        ("ada", [], "student:ada", "subscribe", True),
        ("ada", [], "nowhere", "subscribe", False),
        ("ada", [], "leaderboard", "publish", False),
        ("ada", ["admin"], "leaderboard", "publish", True),
        ("ada", [], "user:ada", "publish", True),
        ("ada", ["mentor"], "student:bob", "publish", True),
        ("ada", [], "student:ada", "publish", False),
    ]

    async def scenario():
        outcomes = []
        for sub, roles, name, action, _ in cases:
            client = await WsClient.open(server, token(sub, roles))
            if action == "subscribe":
                reply = await client.command("subscribe", channel=name)
            else:
                reply = await client.command("publish", channel=name, event="e", data=1, key=uuid.uuid4().hex)
            outcomes.append(reply["ok"] or reply["error"]["code"])
            client.close()
        return outcomes

    outcomes = run(scenario())
    assert outcomes == [True if allowed else "FORBIDDEN" for *_, allowed in cases]
